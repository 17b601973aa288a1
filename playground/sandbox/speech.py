"""Real, intelligible audio for the simulators: eSpeak NG (from the espeakng-loader
wheel) through ctypes, encoded by ffmpeg to the requested format and sample rate.

Duration follows the text and the speed; different voices get different espeak
variants and pitch, so a cloned voice audibly differs from a system one.

Bounded per visitor: one espeak engine serves every request, but it is held for one piece of at
most PIECE_CHARS characters at a time (a long text never stalls the others for long), a text is
read aloud up to MAX_SPOKEN_CHARS (about ten minutes of speech; the simulators' own length checks
come first), the async routes call `arender` (a worker thread, the event loop stays free), and the
caches are LRU by bytes (CACHE_BYTES each), not by count.
"""

from __future__ import annotations

import array
import asyncio
import collections
import ctypes
import hashlib
import re
import threading

from playground.audio import pipe_raw, wrap_pcm
from playground.sandbox import voice_memory

ESPEAK_RATE = 22050
BASE_WPM = 175
_VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5"]
_SYSTEM_VARIANTS = {
    "alex": "m1",
    "benjamin": "m3",
    "charles": "m5",
    "david": "m7",
    "anna": "f1",
    "bella": "f2",
    "claire": "f3",
    "diana": "f4",
}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_MARKUP = re.compile(r"\[(laughter|breath|S1|S2)\]|<\|[a-z_]+\|>|\((laughs|breath|sighs)\)", re.I)

_lock = threading.Lock()
PIECE_CHARS = 400
MAX_SPOKEN_CHARS = 10000
CACHE_BYTES = 64 * 1024 * 1024
_PIECE_END = re.compile(r"(?<=[.!?。！？；;,，:：])\s*|\s+")
_lib = None
_callback = None
_buffer: array.array = array.array("h")

FORMAT_MUXERS = {
    "mp3": ["-c:a", "libmp3lame", "-f", "mp3"],
    "opus": ["-c:a", "libopus", "-f", "ogg"],
    "ogg": ["-c:a", "libopus", "-f", "ogg"],
    "aac": ["-c:a", "aac", "-f", "adts"],
    "flac": ["-c:a", "flac", "-f", "flac"],
    "ulaw": ["-c:a", "pcm_mulaw", "-f", "mulaw"],  # headerless G.711 (ElevenLabs ulaw_8000 / alaw_8000)
    "alaw": ["-c:a", "pcm_alaw", "-f", "alaw"],
}
CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "ogg": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}


def _engine():
    global _lib, _callback
    if _lib is None:
        import espeakng_loader

        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        rate = lib.espeak_Initialize(2, 0, espeakng_loader.get_data_path().encode(), 0)  # 2 = synchronous
        if rate <= 0:
            raise RuntimeError("espeak-ng failed to initialise")
        proto = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

        def on_samples(wav, count, _events):
            if count > 0:
                _buffer.extend(wav[:count])
            return 0

        _callback = proto(on_samples)
        lib.espeak_SetSynthCallback(_callback)
        _lib = lib
    return _lib


def variant_for(voice: str | None) -> tuple[str, int]:
    """(espeak variant, pitch 0-100) for a voice id: stable, and distinct per voice."""
    if not voice:
        return "f2", 50
    matched = voice_memory.lookup(voice)  # a sandbox clone follows its sample (voice_match.py)
    if matched is not None:
        return matched
    name = voice.rsplit(":", 1)[-1].lower()
    if name in _SYSTEM_VARIANTS:
        return _SYSTEM_VARIANTS[name], 50
    digest = hashlib.sha256(voice.encode()).digest()
    return _VARIANTS[digest[0] % len(_VARIANTS)], 30 + digest[1] % 40


def speakable(text: str) -> str:
    """What is actually read aloud: an instruction before <|endofprompt|> is not, nor tags."""
    if "<|endofprompt|>" in text:
        text = text.split("<|endofprompt|>", 1)[1]
    text = re.sub(r"<#[\d.]+#>", " , ", text)
    return _MARKUP.sub(" ", text).strip() or "."


class ByteLRU:
    """A thread-safe LRU cache bounded by the bytes of its values."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.total = 0
        self._items: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value: bytes) -> None:
        if len(value) > self.max_bytes // 4:  # one huge answer would push out everything else
            return
        with self._lock:
            old = self._items.pop(key, None)
            self.total -= len(old) if old is not None else 0
            self._items[key] = value
            self.total += len(value)
            while self.total > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self.total -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.total = 0


_PCM_CACHE = ByteLRU(CACHE_BYTES)
_RENDER_CACHE = ByteLRU(CACHE_BYTES)


def pieces(text: str, size: int = PIECE_CHARS) -> list[str]:
    """The text in pieces of at most `size` characters, cut after punctuation or a space where possible."""
    out: list[str] = []
    while len(text) > size:
        cut = max((m.end() for m in _PIECE_END.finditer(text, 0, size) if 0 < m.end() <= size), default=size)
        out.append(text[:cut])
        text = text[cut:]
    if text.strip() or not out:
        out.append(text)
    return out


def synthesize_pcm(text: str, voice: str | None = None, speed: float = 1.0) -> bytes:
    """16-bit mono PCM at 22050 Hz (the first MAX_SPOKEN_CHARS characters of what is read aloud)."""
    global _buffer
    key = (text, voice, speed)
    cached = _PCM_CACHE.get(key)
    if cached is not None:
        return cached
    spoken = speakable(text)[:MAX_SPOKEN_CHARS]
    lang = "cmn" if _CJK.search(spoken) else "en"
    variant, pitch = variant_for(voice)
    wpm = max(80, min(450, int(BASE_WPM * speed)))
    out = bytearray()
    for piece in pieces(spoken):
        with _lock:  # one piece at a time: other requests get the engine in between
            lib = _engine()
            _buffer = array.array("h")
            lib.espeak_SetVoiceByName(f"{lang}+{variant}".encode())
            lib.espeak_SetParameter(1, wpm, 0)  # espeakRATE
            lib.espeak_SetParameter(3, pitch, 0)  # espeakPITCH
            data = piece.encode("utf-8")
            lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, 1, None, None)  # POS_CHARACTER, espeakCHARS_UTF8
            out += _buffer.tobytes()
            _buffer = array.array("h")
    pcm = bytes(out)
    _PCM_CACHE.put(key, pcm)
    return pcm


async def asynthesize_pcm(text: str, voice: str | None = None, speed: float = 1.0) -> bytes:
    return await asyncio.to_thread(synthesize_pcm, text, voice, speed)


async def arender(text: str, **kwargs) -> bytes:
    """`render` in a worker thread: the simulators' routes never block their event loop on espeak or ffmpeg."""
    return await asyncio.to_thread(render, text, **kwargs)


def render(
    text: str,
    *,
    voice: str | None,
    fmt: str,
    sample_rate: int,
    speed: float = 1.0,
    gain_db: float = 0.0,
    channels: int = 1,
    bitrate: int | str | None = None,
) -> bytes:
    """Speech for `text` as a complete file (or headerless PCM) of the requested format.
    Cached: a simulator answers the same request with the same bytes, without re-running ffmpeg."""
    key = (text, voice, fmt, sample_rate, speed, gain_db, channels, bitrate)
    cached = _RENDER_CACHE.get(key)
    if cached is not None:
        return cached
    data = _render(text, voice, fmt, sample_rate, speed, gain_db, channels, bitrate)
    _RENDER_CACHE.put(key, data)
    return data


def _render(
    text: str,
    voice: str | None,
    fmt: str,
    sample_rate: int,
    speed: float,
    gain_db: float,
    channels: int,
    bitrate: int | str | None,
) -> bytes:
    pcm = synthesize_pcm(text, voice, speed)
    wpm = max(80, min(450, int(BASE_WPM * speed)))
    residual = (BASE_WPM * speed) / wpm  # tempo espeak could not reach on its own
    filters = []
    if abs(residual - 1.0) > 0.01:
        r = residual
        while r > 2.0:
            filters.append("atempo=2.0")
            r /= 2.0
        while r < 0.5:
            filters.append("atempo=0.5")
            r /= 0.5
        filters.append(f"atempo={r:.4f}")
    if gain_db:
        filters.append(f"volume={gain_db}dB")
    out_fmt = "s16le" if fmt in ("wav", "pcm") else fmt
    output = ["-ar", str(sample_rate), "-ac", str(channels)]
    if bitrate and fmt == "mp3":
        output += ["-b:a", str(bitrate)]
    output += ["-f", "s16le"] if out_fmt == "s16le" else FORMAT_MUXERS[fmt]
    proc = pipe_raw(pcm, "s16le", ESPEAK_RATE, 1, output, filters, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {proc.stderr[:200]!r}")
    if fmt == "wav":
        return wrap_pcm(proc.stdout, sample_rate, channels)
    return proc.stdout
