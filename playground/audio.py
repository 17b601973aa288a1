"""The shared audio service: microphone or file input -> a checked voice sample ->
a data URI or a multipart part; and provider output -> audio that plays.

ffmpeg: the system `ffmpeg` when there is one, else the binary of the imageio-ffmpeg
wheel. We never need `ffprobe` (which that wheel lacks): decoding runs ffmpeg itself
into a WAV file whose header we read, and pydub is only handed WAV data or asked to
encode. We never put the wheel's ffmpeg on PATH either, because Gradio treats
"ffmpeg on PATH" as "ffprobe on PATH" for file outputs (see shared/gradio.md).
"""

from __future__ import annotations

import base64
import io
import math
import os
import shutil
import subprocess
import tempfile
import warnings
import wave
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from playground import audio_limits
from playground.errors import AudioInputError

with warnings.catch_warnings():  # pydub warns at import when ffmpeg is not on PATH
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment

MIME_BY_FORMAT = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "opus": "audio/ogg",
    "webm": "audio/webm",
    "pcm": "audio/pcm",
}
# pydub/ffmpeg muxer names for encoding
_MUXER = {
    "mp3": "mp3",
    "wav": "wav",
    "flac": "flac",
    "ogg": "ogg",
    "opus": "opus",
    "m4a": "ipod",
    "aac": "adts",
    "webm": "webm",
}
_CODEC = {"opus": "libopus", "ogg": "libopus", "webm": "libopus", "m4a": "aac", "aac": "aac", "mp3": "libmp3lame"}
SILENCE_DBFS = -55.0
FFMPEG_TIMEOUT_S = 120


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """System ffmpeg if present, else the one shipped in the imageio-ffmpeg wheel."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _pydub() -> type[AudioSegment]:
    AudioSegment.converter = ffmpeg_exe()
    return AudioSegment


def sniff_format(data: bytes) -> str | None:
    """The real container of audio bytes, whatever the file name says."""
    head = data[:64]
    if len(head) < 4:
        return None
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "opus" if b"OpusHead" in head else "ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head[:3] == b"ID3":
        return "mp3"
    if head[0] == 0xFF and (head[1] & 0xF6) == 0xF0:
        return "aac"
    if head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:
        return "mp3"
    return None


def looks_like_text(data: bytes) -> bool:
    """JSON, HTML or any other text where audio should be. Headerless PCM (the one format
    sniff_format cannot confirm) is never almost all printable: silence is zero bytes and speech
    mixes every byte value, so a body whose start is >= 95% printable text is not audio."""
    head = data[:1024]
    if not head:
        return False
    text = head.decode("utf-8", "replace")
    printable = sum(1 for c in text if c.isprintable() or c in "\t\n\r")
    return printable >= 0.95 * len(text)


def _run_ffmpeg(
    args: list[str], data: bytes | None = None, timeout: float = FFMPEG_TIMEOUT_S
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", *args],
        input=data,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def pipe_raw(
    data: bytes,
    raw_format: str,
    rate: int,
    channels: int,
    output: list[str],
    filters: Sequence[str] = (),
    timeout: float = FFMPEG_TIMEOUT_S,
) -> subprocess.CompletedProcess:
    """ffmpeg over pipes: headerless `raw_format` audio (s16le, f32le, mulaw, alaw) at `rate` on stdin,
    through the `filters` (an -af chain), out as `output` (its arguments before pipe:1) on stdout."""
    args = ["-f", raw_format, "-ar", str(rate), "-ac", str(channels), "-i", "pipe:0"]
    if filters:
        args += ["-af", ",".join(filters)]
    return _run_ffmpeg([*args, *output, "pipe:1"], data, timeout)


def decode(data: bytes) -> AudioSegment:
    """Any audio bytes -> a pydub segment (16-bit PCM, at most stereo). Raises AudioInputError,
    also for audio over audio_limits (found from the header, or by the cut while decoding)."""
    return _decode(data, None)[0]


def decode_head(data: bytes, seconds: float) -> tuple[AudioSegment, float | None]:
    """The first `seconds` of any audio bytes, and how long the whole audio is (None if the header does
    not say). Only that part is decoded, so a long file costs no more than a short one; the rate and
    channel limits still apply, the length limit does not (nothing past `seconds` is read)."""
    return _decode(data, max(0.1, seconds))


def _decode(data: bytes, first_s: float | None) -> tuple[AudioSegment, float | None]:
    if not data:
        raise AudioInputError("The audio is empty (0 bytes).", hint="Record again or choose another file.")
    fmt = sniff_format(data)
    if fmt == "wav":
        seg = _read_pcm_wav(data, first_s)
        if seg is not None:
            return seg, _wav_seconds(data)
    with tempfile.TemporaryDirectory(prefix="vcp-dec-") as tmp:
        src = Path(tmp) / "in.bin"
        dst = Path(tmp) / "out.wav"
        src.write_bytes(data)
        rate, channels, duration = audio_limits.probe(ffmpeg_exe(), src)
        audio_limits.refuse_over_limits(rate, channels, duration if first_s is None else None)
        allowed = audio_limits.allowed_seconds(rate, channels)
        cut = allowed + 0.5 if first_s is None else min(allowed, first_s)
        out = ["-ac", str(min(channels, audio_limits.OUT_MAX_CHANNELS))] if channels else []
        if not rate or not channels:  # unknown from the header: the output is what the budget assumes
            out = ["-ac", str(min(channels or 2, audio_limits.OUT_MAX_CHANNELS)), "-ar", str(min(rate or 48000, 48000))]
        proc = _run_ffmpeg(
            ["-i", str(src), "-vn", "-t", f"{cut:g}", *out, "-acodec", "pcm_s16le", "-f", "wav", str(dst)]
        )
        if proc.returncode != 0 or not dst.exists() or dst.stat().st_size <= 44:
            raise AudioInputError(
                "The file could not be read as audio; it may be corrupt or not an audio file.",
                hint="Use a wav, mp3, m4a, flac, ogg or webm recording.",
            )
        seg = _pydub().from_wav(str(dst))
    if first_s is None and len(seg) / 1000.0 > allowed:  # no duration in the header: cut while decoding
        raise AudioInputError(
            f"The audio is longer than {allowed:.0f} s, the most this app takes.",
            hint="Trim it to the part you need and try again.",
        )
    return seg, duration


def _wav_seconds(data: bytes) -> float | None:
    try:
        with wave.open(io.BytesIO(data)) as w:
            return w.getnframes() / w.getframerate() if w.getframerate() else None
    except (wave.Error, EOFError, ValueError):
        return None


def _read_pcm_wav(data: bytes, first_s: float | None = None) -> AudioSegment | None:
    """16-bit PCM WAV without ffmpeg (pydub's own reader may call ffprobe on odd headers); its header
    is checked against the limits first (the length only when all of it is read). Over 48 kHz or
    stereo: ffmpeg converts it while decoding."""
    try:
        with wave.open(io.BytesIO(data)) as w:
            if w.getsampwidth() != 2 or w.getnframes() == 0:
                return None
            rate, channels, count = w.getframerate(), w.getnchannels(), w.getnframes()
            length = count / rate if rate else None
            audio_limits.refuse_over_limits(rate, channels, length if first_s is None else None)
            if channels > audio_limits.OUT_MAX_CHANNELS:
                return None
            frames = w.readframes(count if first_s is None else min(count, int(first_s * rate)))
            return AudioSegment(data=frames, sample_width=2, frame_rate=rate, channels=channels)
    except (wave.Error, EOFError, ValueError, ZeroDivisionError):
        return None  # float/extensible/truncated WAV: ffmpeg decides


def encode(
    seg: AudioSegment,
    fmt: str,
    *,
    sample_rate: int | None = None,
    channels: int | None = None,
    bitrate: str | None = None,
) -> bytes:
    """A segment -> bytes of the given format (mp3, wav, flac, ogg/opus, m4a, aac, pcm)."""
    if channels:
        seg = seg.set_channels(channels)
    if sample_rate:
        seg = seg.set_frame_rate(sample_rate)
    if fmt == "pcm":
        return seg.set_sample_width(2).raw_data
    if fmt == "wav":
        return wrap_pcm(seg.set_sample_width(2).raw_data, seg.frame_rate, seg.channels)
    buf = io.BytesIO()
    params: list[str] = []
    _pydub()
    seg.export(buf, format=_MUXER[fmt], codec=_CODEC.get(fmt), bitrate=bitrate, parameters=params or None)
    return buf.getvalue()


def wrap_pcm(pcm: bytes, sample_rate: int, channels: int = 1, sample_width: int = 2) -> bytes:
    """Headerless PCM -> a WAV file that every browser plays."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(sample_width)
        w.setframerate(sample_rate)
        w.writeframes(pcm[: len(pcm) - len(pcm) % (channels * sample_width)])
    return buf.getvalue()


def g711_to_wav(data: bytes, law: str, sample_rate: int = 8000, channels: int = 1) -> bytes:
    """Headerless mu-law / A-law -> 16-bit PCM WAV (ffmpeg's `mulaw` / `alaw` demuxers)."""
    raw_format = "mulaw" if law == "ulaw" else "alaw"
    proc = pipe_raw(data, raw_format, sample_rate, channels, ["-f", "s16le"])
    if proc.returncode != 0:
        raise AudioInputError(f"The {law} audio could not be decoded.", hint="Choose another output format.")
    return wrap_pcm(proc.stdout, sample_rate, channels)


@dataclass(frozen=True)
class AudioInfo:
    duration_s: float
    sample_rate: int
    channels: int
    peak_dbfs: float
    rms_dbfs: float

    def describe(self) -> str:
        ch = {1: "mono", 2: "stereo"}.get(self.channels, f"{self.channels} ch")
        return f"{self.duration_s:.1f} s, {self.sample_rate} Hz {ch}, peak {self.peak_dbfs:.1f} dBFS"


def info_of(seg: AudioSegment) -> AudioInfo:
    peak = seg.max_dBFS if seg.max else -math.inf
    rms = seg.dBFS if seg.rms else -math.inf
    return AudioInfo(len(seg) / 1000.0, seg.frame_rate, seg.channels, peak, rms)


@dataclass
class VoiceSample:
    """One voice sample from the microphone or a file, as bytes plus its real format."""

    data: bytes
    filename: str = "sample"
    format: str | None = None
    notes: list[str] = field(default_factory=list)
    _segment: AudioSegment | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.format is None:
            self.format = sniff_format(self.data)

    @classmethod
    def from_path(cls, path: str | os.PathLike) -> VoiceSample:
        p = Path(path)
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise AudioInputError("The audio file could not be read.", hint="Upload it again.") from exc
        return cls(data=data, filename=p.name)

    @classmethod
    def from_input(cls, value: Any) -> VoiceSample | None:
        """A Gradio Audio value (filepath), raw bytes, a path, or None."""
        if value is None or value == "":
            return None
        if isinstance(value, VoiceSample):
            return value
        if isinstance(value, (bytes, bytearray)):
            return cls(data=bytes(value))
        if isinstance(value, Mapping):  # gradio FileData-like dict
            value = value.get("path") or value.get("name")
        return cls.from_path(value)

    # -- properties ----------------------------------------------------------------
    @property
    def mime(self) -> str:
        return MIME_BY_FORMAT.get(self.format or "", "application/octet-stream")

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def segment(self) -> AudioSegment:
        if self._segment is None:
            self._segment = decode(self.data)
        return self._segment

    @property
    def info(self) -> AudioInfo:
        return info_of(self.segment)

    def upload_name(self) -> str:
        stem = Path(self.filename).stem or "sample"
        return f"{stem}.{self.format or 'bin'}"

    # -- checks and conversion -------------------------------------------------------
    def check(self, limits: Mapping[str, Any], provider_label: str) -> AudioInfo:
        """Reject what the provider would reject (or bill for nothing), with the fix."""
        what = limits.get("label", "voice sample")
        if self.size == 0:
            raise AudioInputError(f"The {what} is empty.", hint="Record again or choose another file.")
        info = self.info
        if info.duration_s <= 0.05 or info.peak_dbfs == -math.inf:
            raise AudioInputError(
                f"The {what} is silent: it has no sound in it.", hint="Record again and check the microphone."
            )
        if info.peak_dbfs < SILENCE_DBFS:
            raise AudioInputError(
                f"The {what} is silent (peak {info.peak_dbfs:.0f} dBFS).",
                hint="Check that the right microphone is selected and speak closer to it.",
            )
        lo, hi = limits.get("min_duration_s"), limits.get("max_duration_s")
        if lo is not None and info.duration_s < lo:
            raise AudioInputError(
                f"The {what} is too short: {info.duration_s:.1f} s; {provider_label} needs at least {lo:g} s.",
                hint="Record a longer sample.",
            )
        if hi is not None and info.duration_s > hi:
            raise AudioInputError(
                f"The {what} is too long: {info.duration_s:.1f} s; {provider_label} accepts at most {hi:g} s.",
                hint="Trim it (the scissors in the audio box) or record a shorter one.",
            )
        return info

    def prepared(self, limits: Mapping[str, Any], provider_label: str) -> VoiceSample:
        """Checked, and converted to a format the provider takes (noted), within its size limit."""
        self.check(limits, provider_label)
        sample = self
        formats = limits.get("formats") or []
        if formats and self.format not in formats:
            target = limits.get("convert_to") or formats[0]
            data = encode(self.segment, target)
            sample = VoiceSample(
                data=data,
                filename=f"{Path(self.filename).stem or 'sample'}.{target}",
                format=target,
                notes=[*self.notes, f"converted from {self.format or 'unknown format'} to {target}"],
                _segment=self._segment,
            )
        max_bytes = limits.get("max_bytes")
        if max_bytes and sample.size > max_bytes:
            raise AudioInputError(
                f"The {limits.get('label', 'voice sample')} is {sample.size / 1e6:.1f} MB; "
                f"{provider_label} accepts at most {max_bytes / 1e6:.0f} MB.",
                hint="Use a shorter or more compressed recording (mp3).",
            )
        return sample

    def converted(self, fmt: str, *, sample_rate: int | None = None, channels: int | None = None) -> VoiceSample:
        data = encode(self.segment, fmt, sample_rate=sample_rate, channels=channels)
        return VoiceSample(
            data=data,
            filename=f"{Path(self.filename).stem}.{fmt}",
            format=fmt,
            notes=[*self.notes, f"converted to {fmt}"],
        )

    # -- renderings --------------------------------------------------------------------
    def data_uri(self) -> str:
        """`data:audio/<type>;base64,...` with the MIME of the real format."""
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"

    def multipart(self) -> tuple[str, bytes, str]:
        """An httpx `files=` tuple: (filename, bytes, mime)."""
        return (self.upload_name(), self.data, self.mime)


@dataclass
class SpeechAudio:
    """Audio a provider returned, exactly as it came, plus what is known about it."""

    data: bytes
    format: str
    sample_rate: int | None = None
    channels: int = 1

    @property
    def extension(self) -> str:
        return {"pcm": "wav", "opus": "ogg", "ulaw": "wav", "alaw": "wav"}.get(self.format, self.format)

    def playable(self) -> bytes:
        """Bytes a browser plays: headerless PCM is wrapped into WAV, headerless G.711 (ulaw/alaw,
        ElevenLabs' telephony formats) is decoded to 16-bit WAV, the rest passes unchanged."""
        if self.format == "pcm":
            return wrap_pcm(self.data, self.sample_rate or 24000, self.channels)
        if self.format in ("ulaw", "alaw"):
            return g711_to_wav(self.data, self.format, self.sample_rate or 8000, self.channels)
        return self.data

    def download_bytes(self) -> bytes:
        return self.playable()


def parse_data_uri(uri: str) -> tuple[str, bytes]:
    """`data:audio/x;base64,...` -> (mime, bytes). Raises ValueError."""
    if not uri.startswith("data:") or ";base64," not in uri:
        raise ValueError("not a base64 data URI")
    head, b64 = uri[5:].split(";base64,", 1)
    return head, base64.b64decode(b64, validate=True)


def best_window(seg: AudioSegment, window_s: float, *, frame_ms: int = 50) -> tuple[int, int]:
    """(start_ms, end_ms) of the `window_s` stretch with the most speech in it.

    Frames louder than a floor (30 dB under the loudest frame, never under the silence
    level) count as speech; the window with the most of them wins, and its energy breaks
    ties. A segment that already fits is returned whole. Used to trim a clip that must be
    short (MiniMax prompt audio: under 8 s) to its best part instead of its first seconds.
    """
    import numpy as np

    total_ms = len(seg)
    window_ms = int(window_s * 1000)
    if total_ms <= window_ms:
        return 0, total_ms
    mono = seg.set_channels(1).set_sample_width(2)
    samples = np.frombuffer(mono.raw_data, dtype=np.int16).astype(np.float64) / 32768.0
    per_frame = max(1, int(mono.frame_rate * frame_ms / 1000))
    n_frames = len(samples) // per_frame
    if n_frames == 0:
        return 0, min(total_ms, window_ms)
    power = (samples[: n_frames * per_frame].reshape(n_frames, per_frame) ** 2).mean(axis=1)
    level_db = 10 * np.log10(np.maximum(power, 1e-12))
    floor_db = max(SILENCE_DBFS, float(level_db.max()) - 30.0)
    active = (level_db > floor_db).astype(np.float64)
    span = min(n_frames, window_ms // frame_ms)
    active_sum = np.convolve(active, np.ones(span), mode="valid")
    energy_sum = np.convolve(power, np.ones(span), mode="valid")
    score = active_sum + energy_sum / (energy_sum.max() + 1e-12) * 0.5  # energy only breaks ties
    start_ms = int(np.argmax(score)) * frame_ms
    start_ms = min(start_ms, total_ms - window_ms)
    return start_ms, start_ms + window_ms
