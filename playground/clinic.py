"""The reference clinic: measure a voice sample, check it against one provider operation's
limits, and fix it with pure functions (each returns a new sample and what it did).

Measuring needs no ffprobe and no scipy: loudness is ITU-R BS.1770-4 (K-weighting, 400 ms
blocks, absolute and relative gates) computed with numpy, the two K-weighting biquads applied
through their exact frequency response on a zero-padded FFT.
Limits come from presets/<provider>.json: `samples.<operation>` (the documented limits) and
the `clinic` block (the playground's own quality targets and preferred sample rate).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from playground import presets
from playground.audio import SILENCE_DBFS, AudioSegment, VoiceSample, best_window, encode, wrap_pcm
from playground.errors import InputError

CLIP_LEVEL = 32700 / 32768  # a sample at or above this is counted as clipped
FRAME_MS = 10
SILENCE_MARGIN_S = 0.15  # kept before and after the speech when trimming
LOUDNESS_FLOOR = -70.0


# -- measuring -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Analysis:
    duration_s: float
    sample_rate: int
    channels: int
    peak_dbfs: float
    loudness_lufs: float
    leading_silence_s: float
    trailing_silence_s: float
    clipping_ratio: float
    size_bytes: int
    format: str | None
    waveform: tuple[float, ...]  # peak per column, 0..1

    @property
    def speech_s(self) -> float:
        return max(0.0, self.duration_s - self.leading_silence_s - self.trailing_silence_s)


def _segment(audio: VoiceSample | AudioSegment) -> AudioSegment:
    return audio if isinstance(audio, AudioSegment) else audio.segment


def samples_of(seg: AudioSegment) -> np.ndarray:
    """(frames, channels) float64 in [-1, 1)."""
    seg = seg.set_sample_width(2)
    data = np.frombuffer(seg.raw_data, dtype=np.int16).astype(np.float64) / 32768.0
    return data.reshape(-1, seg.channels)


def _biquad_response(b: tuple[float, ...], a: tuple[float, ...], n_fft: int) -> np.ndarray:
    z = np.exp(-1j * np.linspace(0.0, math.pi, n_fft // 2 + 1))
    return (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)


def k_weighting(rate: int) -> list[tuple[tuple[float, ...], tuple[float, ...]]]:
    """The two BS.1770 stages (high shelf, RLB high-pass) for any sample rate."""
    f0, gain, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = (
        ((vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0),
        (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0),
    )
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    highpass = (1.0, -2.0, 1.0), (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
    return [shelf, highpass]


def integrated_loudness(x: np.ndarray, rate: int) -> float:
    """BS.1770-4 integrated loudness in LUFS of (frames, channels) samples; -inf when silent."""
    block, hop = int(0.4 * rate), int(0.1 * rate)
    if len(x) < block:
        x = np.vstack([x, np.zeros((block - len(x), x.shape[1]))])
    n_fft = 1 << math.ceil(math.log2(len(x) + rate))  # 1 s of padding: the filters' tails die out
    spectrum = np.fft.rfft(x, n=n_fft, axis=0)
    for b, a in k_weighting(rate):
        spectrum *= _biquad_response(b, a, n_fft)[:, None]
    y = np.fft.irfft(spectrum, n=n_fft, axis=0)[: len(x)]
    energy = np.concatenate([[np.zeros(x.shape[1])], np.cumsum(y * y, axis=0)])
    starts = np.arange(0, len(x) - block + 1, hop)
    z = (energy[starts + block] - energy[starts]) / block  # mean square per block and channel
    power = z.sum(axis=1)
    with np.errstate(divide="ignore"):
        loud = -0.691 + 10 * np.log10(power)
    gated = power[loud > LOUDNESS_FLOOR]
    if gated.size == 0:
        return -math.inf
    relative = -0.691 + 10 * math.log10(gated.mean()) - 10.0
    gated = power[(loud > LOUDNESS_FLOOR) & (loud > relative)]
    return float(-0.691 + 10 * math.log10(gated.mean()))


def _frame_levels(mono: np.ndarray, rate: int) -> np.ndarray:
    per = max(1, rate * FRAME_MS // 1000)
    n = len(mono) // per
    if n == 0:
        return np.array([20 * math.log10(max(float(np.abs(mono).max(initial=0.0)), 1e-9))])
    peaks = np.abs(mono[: n * per]).reshape(n, per).max(axis=1)
    return 20 * np.log10(np.maximum(peaks, 1e-9))


def silence_edges(x: np.ndarray, rate: int) -> tuple[float, float]:
    """(leading, trailing) silence in seconds. A 10 ms frame is silent when its peak is under
    max(-55 dBFS, min(loudest frame - 40 dB, -40 dBFS))."""
    levels = _frame_levels(np.abs(x).max(axis=1), rate)
    floor = max(SILENCE_DBFS, min(float(levels.max()) - 40.0, -40.0))
    loud = np.nonzero(levels > floor)[0]
    total = len(x) / rate
    if loud.size == 0:
        return total, 0.0
    lead = loud[0] * FRAME_MS / 1000
    trail = max(0.0, total - (loud[-1] + 1) * FRAME_MS / 1000)
    return lead, trail


def waveform(x: np.ndarray, columns: int = 240) -> tuple[float, ...]:
    mono = np.abs(x).max(axis=1)
    if len(mono) == 0:
        return tuple()
    edges = np.linspace(0, len(mono), min(columns, len(mono)) + 1).astype(int)
    return tuple(round(float(mono[a:b].max(initial=0.0)), 3) for a, b in itertools.pairwise(edges))


def analyze(audio: VoiceSample | AudioSegment) -> Analysis:
    seg = _segment(audio)
    x = samples_of(seg)
    peak = float(np.abs(x).max(initial=0.0))
    lead, trail = silence_edges(x, seg.frame_rate) if len(x) else (0.0, 0.0)
    sample = audio if isinstance(audio, VoiceSample) else None
    return Analysis(
        duration_s=len(x) / seg.frame_rate,
        sample_rate=seg.frame_rate,
        channels=seg.channels,
        peak_dbfs=20 * math.log10(peak) if peak > 0 else -math.inf,
        loudness_lufs=integrated_loudness(x, seg.frame_rate) if len(x) else -math.inf,
        leading_silence_s=lead,
        trailing_silence_s=trail,
        clipping_ratio=float((np.abs(x) >= CLIP_LEVEL).mean()) if len(x) else 0.0,
        size_bytes=sample.size if sample else len(seg.raw_data) + 44,
        format=sample.format if sample else "wav",
        waveform=waveform(x),
    )


# -- checking ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckItem:
    key: str  # format, size, duration, silence, level, clipping, loudness, channels, sample_rate
    ok: bool
    label: str
    reason: str
    blocking: bool  # a documented provider limit (True) or a quality target of the playground (False)
    fix: str | None = None  # the key of the fix that addresses it


@dataclass(frozen=True)
class CheckResult:
    provider: str
    operation: str
    title: str
    items: tuple[CheckItem, ...]

    @property
    def ok(self) -> bool:
        """Within the provider's documented limits (quality advice aside)."""
        return all(i.ok for i in self.items if i.blocking)

    @property
    def all_green(self) -> bool:
        return all(i.ok for i in self.items)

    def item(self, key: str) -> CheckItem:
        return next(i for i in self.items if i.key == key)


def operations(provider_id: str) -> list[str]:
    return list(presets.load(provider_id).get("samples", {}))


def limits_for(provider_id: str, operation: str) -> dict[str, Any]:
    """samples.<operation> (documented limits) merged over the clinic block (quality targets)."""
    spec = presets.load(provider_id)
    samples = spec.get("samples", {})
    if operation not in samples:
        raise InputError(
            f"{spec['label']} has no sample operation {operation!r}.", hint=f"Choose one of: {', '.join(samples)}."
        )
    clinic = spec.get("clinic", {})
    return {
        **clinic.get("quality", {}),
        **clinic.get("operations", {}).get(operation, {}),
        "preferred_sample_rate": clinic.get("preferred_sample_rate", 24000),
        **samples[operation],
        "provider_label": spec["label"],
    }


def window_seconds(limits: dict[str, Any]) -> float | None:
    """Length of the "best window" fix: under the maximum (MiniMax prompt: 7.5 s for < 8 s)."""
    hi = limits.get("max_duration_s") or (limits.get("recommended_duration_s") or [None, None])[1]
    if hi is None:
        return None
    return float(limits.get("trim_to_s") or hi)


def check(analysis: Analysis, provider_id: str, operation: str) -> CheckResult:
    lim = limits_for(provider_id, operation)
    who = f"{lim['provider_label']} {lim.get('label', operation)}"
    items: list[CheckItem] = []
    formats = lim.get("formats") or []
    fmt = analysis.format or "unknown"
    items.append(
        CheckItem(
            "format",
            not formats or fmt in formats,
            "Format",
            f"{fmt}"
            + (
                ""
                if fmt in formats or not formats
                else f": {who} takes {', '.join(formats)} (it would be converted on upload)"
            ),
            True,
            "convert",
        )
    )
    max_bytes = lim.get("max_bytes")
    size_ok = not max_bytes or analysis.size_bytes <= max_bytes
    over = f": over the {max_bytes / 1048576:g} MB limit" if max_bytes and not size_ok else ""
    items.append(CheckItem("size", size_ok, "Size", f"{analysis.size_bytes / 1048576:.2f} MB" + over, True, "convert"))
    lo, hi = lim.get("min_duration_s"), lim.get("max_duration_s")
    rec = lim.get("recommended_duration_s")
    if rec and lo is None and hi is None:
        lo, hi = rec
    d = analysis.duration_s
    strict_max = lim.get("max_exclusive", False)
    too_long = hi is not None and (d >= hi if strict_max else d > hi)
    too_short = lo is not None and d < lo
    span = (
        f"{lo:g}–{hi:g} s"
        if lo is not None and hi is not None
        else f"{'under' if strict_max else 'at most'} {hi:g} s"
        if hi is not None
        else f"at least {lo:g} s"
        if lo is not None
        else ""
    )  # no per-clip bounds (Fish: a total only)
    reason = f"{d:.1f} s" + (
        f": too long, {who} needs {span}"
        if too_long
        else f": too short, {who} needs {span}"
        if too_short
        else f" (needs {span})"
        if span
        else ""
    )
    items.append(
        CheckItem("duration", not (too_long or too_short), "Duration", reason, True, "window" if too_long else None)
    )
    silent = analysis.peak_dbfs < SILENCE_DBFS
    items.append(
        CheckItem(
            "level",
            not silent,
            "Sound",
            "no sound in it" if silent else f"peak {analysis.peak_dbfs:.1f} dBFS",
            True,
            None,
        )
    )
    max_sil = float(lim.get("max_edge_silence_s", 1.0))
    edges_ok = analysis.leading_silence_s <= max_sil and analysis.trailing_silence_s <= max_sil
    items.append(
        CheckItem(
            "silence",
            edges_ok or silent,
            "Leading/trailing silence",
            f"{analysis.leading_silence_s:.1f} s / {analysis.trailing_silence_s:.1f} s"
            + ("" if edges_ok else f": more than {max_sil:g} s of silence at an edge"),
            False,
            "trim",
        )
    )
    max_clip = float(lim.get("max_clipping_ratio", 0.001))
    items.append(
        CheckItem(
            "clipping",
            analysis.clipping_ratio <= max_clip,
            "Clipping",
            f"{analysis.clipping_ratio * 100:.2f} % of samples at full scale"
            + (
                ""
                if analysis.clipping_ratio <= max_clip
                else ": distorted; keep a part without it or record again further from the microphone"
            ),
            False,
            "window" if hi else None,
        )
    )
    lufs_lo, lufs_hi = lim.get("loudness_lufs", [-30.0, -12.0])
    lufs = analysis.loudness_lufs
    loud_ok = silent or lufs_lo <= lufs <= lufs_hi
    items.append(
        CheckItem(
            "loudness",
            loud_ok,
            "Loudness",
            f"{lufs:.1f} LUFS" + ("" if loud_ok else f": outside {lufs_lo:g} to {lufs_hi:g} LUFS"),
            False,
            "normalize",
        )
    )
    items.append(
        CheckItem(
            "channels",
            analysis.channels == 1,
            "Channels",
            "mono"
            if analysis.channels == 1
            else f"{analysis.channels} channels: voice cloning uses mono, mixing down halves the size",
            False,
            "mono",
        )
    )
    rate_lo, rate_hi = lim.get("sample_rate_hz", [16000, 48000])
    preferred = int(lim["preferred_sample_rate"])
    rate_ok = rate_lo <= analysis.sample_rate <= rate_hi
    items.append(
        CheckItem(
            "sample_rate",
            rate_ok,
            "Sample rate",
            f"{analysis.sample_rate} Hz"
            + ("" if rate_ok else f": outside {rate_lo}–{rate_hi} Hz; {preferred} Hz suits {lim['provider_label']}"),
            False,
            "resample",
        )
    )
    return CheckResult(provider_id, operation, who, tuple(items))


# -- fixing ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fixed:
    sample: VoiceSample
    description: str


FIX_LABELS = {
    "trim": "Trim silence",
    "window": "Best {n:g} s window",
    "mono": "Convert to mono",
    "resample": "Resample to {rate} Hz",
    "normalize": "Normalize loudness",
    "convert": "Convert to {fmt}",
}


def _wav(seg: AudioSegment, like: VoiceSample | None, note: str) -> VoiceSample:
    stem = Path(like.filename).stem if like else "sample"
    notes = [*(like.notes if like else []), note]
    data = wrap_pcm(seg.set_sample_width(2).raw_data, seg.frame_rate, seg.channels)
    return VoiceSample(data=data, filename=f"{stem}.wav", format="wav", notes=notes)


def _as_sample(audio: VoiceSample | AudioSegment) -> VoiceSample | None:
    return audio if isinstance(audio, VoiceSample) else None


def _sentence(text: str) -> str:
    """The first letter up, the rest as written (str.capitalize() would turn "Hz" into "hz", "LUFS" into "lufs")."""
    return text[:1].upper() + text[1:]


def trim_silence(audio: VoiceSample | AudioSegment, margin_s: float = SILENCE_MARGIN_S) -> Fixed:
    seg = _segment(audio)
    lead, trail = silence_edges(samples_of(seg), seg.frame_rate)
    start = max(0.0, lead - margin_s)
    end = max(start, len(seg) / 1000 - max(0.0, trail - margin_s))
    out = seg[int(start * 1000) : math.ceil(end * 1000)]
    text = f"trimmed {start:.1f} s of silence at the start and {len(seg) / 1000 - end:.1f} s at the end"
    return Fixed(_wav(out, _as_sample(audio), text), _sentence(text) + f": {len(out) / 1000:.1f} s left.")


def best_speech_window(audio: VoiceSample | AudioSegment, seconds: float) -> Fixed:
    """The `seconds` stretch with the most speech (audio.best_window), with clipped frames
    counted as no speech so a window without distortion wins."""
    seg = _segment(audio)
    x = samples_of(seg)
    clipped = np.abs(x).max(axis=1) >= CLIP_LEVEL
    probe = seg
    if clipped.any():
        per = max(1, seg.frame_rate * 50 // 1000)  # best_window's 50 ms frames
        n = len(x) // per
        bad = np.repeat(clipped[: n * per].reshape(n, per).any(axis=1), per)
        mono = x.mean(axis=1)[: n * per] * ~bad
        probe = AudioSegment(
            data=(mono * 32767).astype("<i2").tobytes(), sample_width=2, frame_rate=seg.frame_rate, channels=1
        )
    start_ms, end_ms = best_window(probe, seconds)
    out = seg[start_ms:end_ms]
    text = (
        f"kept the best {len(out) / 1000:.1f} s ({start_ms / 1000:.1f}–{end_ms / 1000:.1f} s "
        f"of {len(seg) / 1000:.1f} s)"
    )
    return Fixed(_wav(out, _as_sample(audio), text), _sentence(text) + ": the part with the most speech.")


def to_mono(audio: VoiceSample | AudioSegment) -> Fixed:
    seg = _segment(audio)
    text = f"mixed {seg.channels} channels down to mono"
    return Fixed(_wav(seg.set_channels(1), _as_sample(audio), text), _sentence(text) + ".")


def resample(audio: VoiceSample | AudioSegment, rate: int) -> Fixed:
    seg = _segment(audio)
    text = f"resampled {seg.frame_rate} Hz to {rate} Hz"
    extra = " (upsampling cannot bring back detail the recording never had)" if rate > seg.frame_rate else ""
    return Fixed(_wav(seg.set_frame_rate(rate), _as_sample(audio), text), _sentence(text) + extra + ".")


def normalize_loudness(
    audio: VoiceSample | AudioSegment, target_lufs: float = -20.0, max_peak_dbfs: float = -1.0
) -> Fixed:
    seg = _segment(audio)
    a = analyze(seg)
    if a.loudness_lufs == -math.inf:
        raise InputError("There is no sound to normalize.", hint="Record again and check the microphone.")
    gain = min(target_lufs - a.loudness_lufs, max_peak_dbfs - a.peak_dbfs)
    out = seg.apply_gain(gain)
    capped = " (held back so peaks stay under -1 dBFS)" if gain < target_lufs - a.loudness_lufs - 0.05 else ""
    text = f"changed the level by {gain:+.1f} dB, from {a.loudness_lufs:.1f} LUFS"
    return Fixed(_wav(out, _as_sample(audio), text), _sentence(text) + capped + ".")


def convert_format(audio: VoiceSample | AudioSegment, fmt: str) -> Fixed:
    seg = _segment(audio)
    like = _as_sample(audio)
    stem = Path(like.filename).stem if like else "sample"
    text = f"converted {like.format if like else 'audio'} to {fmt}"
    sample = VoiceSample(
        data=encode(seg, fmt), filename=f"{stem}.{fmt}", format=fmt, notes=[*(like.notes if like else []), text]
    )
    return Fixed(sample, _sentence(text) + f" ({sample.size / 1048576:.2f} MB).")


def applicable_fixes(result: CheckResult, analysis: Analysis) -> list[str]:
    """Fix keys worth offering for a check result, in the order they are best applied."""
    lim = limits_for(result.provider, result.operation)
    red = {i.fix for i in result.items if not i.ok and i.fix}
    wanted: list[str] = [k for k in ("trim", "window", "mono", "resample", "normalize", "convert") if k in red]
    if "window" in wanted and window_seconds(lim) is None:
        wanted.remove("window")
    return wanted


def fix_label(key: str, provider_id: str, operation: str) -> str:
    lim = limits_for(provider_id, operation)
    return FIX_LABELS[key].format(
        n=window_seconds(lim) or 0, rate=lim["preferred_sample_rate"], fmt=lim.get("convert_to", "mp3")
    )


def apply_fix(audio: VoiceSample | AudioSegment, key: str, provider_id: str, operation: str) -> Fixed:
    lim = limits_for(provider_id, operation)
    if key == "trim":
        return trim_silence(audio)
    if key == "window":
        seconds = window_seconds(lim)
        if seconds is None:
            raise InputError(f"{lim['provider_label']} sets no maximum length here: there is no window to pick.")
        return best_speech_window(audio, seconds)
    if key == "mono":
        return to_mono(audio)
    if key == "resample":
        return resample(audio, int(lim["preferred_sample_rate"]))
    if key == "normalize":
        return normalize_loudness(audio, float(lim.get("target_lufs", -20.0)))
    if key == "convert":
        return convert_format(audio, lim.get("convert_to", "mp3"))
    raise InputError(f"Unknown fix {key!r}.", hint=f"Choose one of: {', '.join(FIX_LABELS)}.")
