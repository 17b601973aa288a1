"""Compare: one text across up to 8 provider/voice pairs, run concurrently, with honest figures.

Each pair runs through its adapter's own `speak()` (so retries, checks and error mapping are the
provider tab's), all at once with `asyncio.gather`. A pair that fails becomes a cell with its
error; the others still finish. Figures per cell: time to first byte (the transport's Timing),
time to first audio (the first `on_chunk`), total, audio duration, real-time factor, size,
format, sample rate, characters and, where the preset states a price, an estimated cost.
Playback copies are loudness-matched (ITU-R BS.1770-4 / EBU R128, measured in process with the
clinic's numpy meter: no ffmpeg spawn per take; `measure_lufs` is ffmpeg's `ebur128` for checks)
while the provider's raw bytes stay downloadable. Nothing here imports Gradio.
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import re
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from playground import audio, cpu, messages, presets, providers
from playground.errors import InputError, PlaygroundError
from playground.providers.base import SpeechResult

MAX_PAIRS = 8
TARGET_LUFS = -20.0
MAX_GAIN_DB = 30.0
PEAK_CEILING_DBFS = -1.0
SILENT_LUFS = -70.0
SEP = "|"


@dataclass(frozen=True)
class Pair:
    """One provider/voice (and optionally model) to compare: written `provider|voice[|model]`."""

    provider_id: str
    voice: str
    model: str | None = None

    @classmethod
    def parse(cls, text: str) -> Pair:
        parts = (text or "").strip().split(SEP)
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise InputError(
                f"{text!r} is not a provider/voice pair.", hint="Write it as provider|voice, e.g. zhipu|tongtong."
            )
        if parts[0] not in REQUEST_BUILDERS:
            raise InputError(
                f"Unknown provider {parts[0]!r} in {text!r}.", hint=f"One of: {', '.join(REQUEST_BUILDERS)}."
            )
        return cls(parts[0], parts[1], parts[2] if len(parts) > 2 and parts[2] else None)

    @property
    def key(self) -> str:
        return SEP.join([self.provider_id, self.voice] + ([self.model] if self.model else []))

    @property
    def label(self) -> str:
        name = self.voice.rsplit(":", 1)[-1] if not self.voice.startswith("speech:") else self.voice.split(":")[1]
        return f"{presets.load(self.provider_id)['label']} · {name}" + (f" · {self.model}" if self.model else "")


# -- one request per provider, with the provider's defaults (streamed where it streams) --------
def _siliconflow(pair: Pair, text: str):
    from playground.providers.siliconflow import SiliconFlowSpeech

    spec = presets.load("siliconflow")
    model = pair.model or (
        pair.voice.rsplit(":", 1)[0]
        if ":" in pair.voice and not pair.voice.startswith("speech:")
        else spec["default_model"]
    )
    return SiliconFlowSpeech(text=text, model=model, voice=pair.voice, response_format="mp3", stream=True)


def _minimax(pair: Pair, text: str):
    from playground.providers.minimax import MiniMaxSpeech

    spec = presets.load("minimax")
    return MiniMaxSpeech(
        text=text, voice_id=pair.voice, model=pair.model or spec["default_model"], format="mp3", stream=True
    )


def _zhipu(pair: Pair, text: str):
    from playground.providers.zhipu import ZhipuSpeech

    spec = presets.load("zhipu")
    return ZhipuSpeech(
        text=text,
        voice=pair.voice,
        model=pair.model or spec["default_speech_model"],
        response_format="pcm",
        stream=True,
    )


def _openai_compat(pair: Pair, text: str):
    from playground.providers.openai_compat import OpenAISpeech

    spec = presets.load("openai_compat")
    return OpenAISpeech(text=text, voice=pair.voice, model=pair.model or spec["default_model"], response_format="mp3")


def _elevenlabs(pair: Pair, text: str):
    from playground.providers.elevenlabs import ElevenLabsSpeech

    spec = presets.load("elevenlabs")
    return ElevenLabsSpeech(
        text=text,
        voice_id=pair.voice,
        model_id=pair.model or spec["default_model"],
        output_format=spec["default_output_format"],
        stream=True,
    )


def _fishaudio(pair: Pair, text: str):
    from playground.providers.fishaudio import FishSpeech

    spec = presets.load("fishaudio")  # raw PCM: the take streams as it arrives (chunked bytes)
    return FishSpeech(
        text=text,
        reference_id=pair.voice,
        model=pair.model or spec["default_model"],
        format="pcm",
        sample_rate=spec["formats"]["pcm"]["default_sample_rate"],
    )


def _cartesia(pair: Pair, text: str):
    from playground.providers.cartesia import CartesiaSpeech

    spec = presets.load("cartesia")  # streamed raw 16-bit PCM (SSE), so the take plays as it arrives
    return CartesiaSpeech(
        text=text,
        voice=pair.voice,
        model=pair.model or spec["default_model"],
        container="raw",
        encoding="pcm_s16le",
        sample_rate=spec["default_sample_rate"],
        stream=True,
        language="zh" if re.search(r"[\u3400-\u9fff]", text) else spec["default_language"],
    )


REQUEST_BUILDERS: dict[str, Callable[[Pair, str], Any]] = {
    "siliconflow": _siliconflow,
    "minimax": _minimax,
    "zhipu": _zhipu,
    "openai_compat": _openai_compat,
    "elevenlabs": _elevenlabs,
    "fishaudio": _fishaudio,
    "cartesia": _cartesia,
}


def speech_request(pair: Pair, text: str) -> Any:
    return REQUEST_BUILDERS[pair.provider_id](pair, text)


def system_pairs() -> list[tuple[str, str]]:
    """(label, pair key) of every system voice in the presets, provider by provider."""
    out: list[tuple[str, str]] = []
    for pid in REQUEST_BUILDERS:
        spec = presets.load(pid)
        if pid == "siliconflow":
            names = [(n, f"{spec['default_model']}:{n}") for n in spec["system_voice_names"]]
        elif pid == "openai_compat":
            names = [(n, n) for n in [*spec["seed_voices"], *spec["newer_voices"]]]
        else:
            names = [(label, vid) for vid, label in spec["system_voices"].items()]
        out += [(f"{spec['label']} · {label}", Pair(pid, vid).key) for label, vid in names]
    return out


def _model_spec(provider_id: str, model: str | None) -> dict:
    """A preset's per-model facts (`models.<id>` as a dict, e.g. ElevenLabs' max_chars and prices), or {}."""
    spec = presets.load(provider_id)
    models = spec.get("models")
    entry = models.get(model or spec.get("default_model") or "") if isinstance(models, dict) else None
    return entry if isinstance(entry, dict) else {}


def input_limit(provider_id: str, model: str | None = None) -> int:
    """The most characters one request of this provider (and model, where its preset says) takes."""
    per_model = _model_spec(provider_id, model).get("max_chars")
    if isinstance(per_model, int):
        return per_model
    limits = presets.load(provider_id)["limits"]
    bounds = limits.get("input_chars") or limits.get("text_chars")
    return int(bounds[1])


def price_per_million_chars(provider_id: str, model: str | None = None) -> float | None:
    return price(provider_id, model)[0]


def price(provider_id: str, model: str | None = None) -> tuple[float | None, str | None]:
    """(price per million characters, currency): the model's own price, the provider preset's, then
    the Arena's dated estimate (presets/arena.json); (None, None) when no price is known."""
    per_1k = _model_spec(provider_id, model).get("usd_per_1k_chars")
    if isinstance(per_1k, (int, float)):
        return float(per_1k) * 1000, "USD"
    spec = presets.load(provider_id)
    value = spec.get("price_per_million_chars")
    if isinstance(value, (int, float)):
        return float(value), str(spec.get("price_currency", "USD"))
    row = presets.load("arena").get("prices", {}).get("per_million_chars", {}).get(provider_id)
    if isinstance(row, dict) and isinstance(row.get("amount"), (int, float)):
        return float(row["amount"]), str(row.get("currency") or "")
    return None, None


# -- figures ------------------------------------------------------------------------------------
@dataclass
class Figures:
    first_byte_s: float | None
    first_audio_s: float | None
    total_s: float
    duration_s: float | None
    rtf: float | None  # total time / audio duration (below 1: faster than real time)
    size_bytes: int
    format: str
    sample_rate: int | None
    chars: int
    cost: float | None  # in the preset's currency unit; None: no price known
    loudness_lufs: float | None = None
    gain_db: float | None = None
    currency: str | None = None  # of the cost

    def rows(self) -> list[tuple[str, str]]:
        def s(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.2f} s"

        return [
            ("time to first byte", s(self.first_byte_s)),
            ("time to first audio", s(self.first_audio_s)),
            ("total", s(self.total_s)),
            ("audio duration", s(self.duration_s)),
            ("real-time factor", "n/a" if self.rtf is None else f"{self.rtf:.2f}"),
            ("size", f"{self.size_bytes / 1024:.1f} KiB"),
            ("format", self.format),
            ("sample rate", "n/a" if not self.sample_rate else f"{self.sample_rate} Hz"),
            ("characters", str(self.chars)),
            ("estimated cost", "n/a" if self.cost is None else f"≈ {self.cost:.6f} {self.currency or ''}".rstrip()),
            (
                "loudness",
                "n/a"
                if self.loudness_lufs is None
                else f"{self.loudness_lufs:.1f} LUFS (played at {TARGET_LUFS:g}, gain {self.gain_db:+.1f} dB)",
            ),
        ]


@dataclass
class Cell:
    pair: Pair
    text: str
    result: SpeechResult | None = None
    figures: Figures | None = None
    playback: bytes | None = None  # WAV, loudness-matched
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.result is not None

    def file_stem(self, index: int) -> str:
        voice = re.sub(r"[^A-Za-z0-9_-]+", "-", self.pair.voice.rsplit(":", 1)[-1]).strip("-")[:32] or "voice"
        return f"{index + 1:02d}-{self.pair.provider_id}-{voice}"


# -- loudness -----------------------------------------------------------------------------------
def measure_lufs(wav: bytes) -> float | None:
    """Integrated loudness (LUFS) of WAV bytes with ffmpeg's ebur128 filter (no ffprobe)."""
    with tempfile.TemporaryDirectory(prefix="vcp-lufs-") as tmp:
        src = Path(tmp) / "in.wav"
        src.write_bytes(wav)
        proc = subprocess.run(
            [
                audio.ffmpeg_exe(),
                "-hide_banner",
                "-nostdin",
                "-nostats",
                "-i",
                str(src),
                "-af",
                "ebur128=framelog=verbose",
                "-f",
                "null",
                "-",
            ],
            capture_output=True,
            timeout=audio.FFMPEG_TIMEOUT_S,
            check=False,
        )
    text = proc.stderr.decode("utf-8", "replace")
    summary = text.rsplit("Summary:", 1)[-1]
    match = re.search(r"I:\s*(-?[\d.]+|-inf)\s*LUFS", summary)
    if proc.returncode != 0 or not match or match.group(1) == "-inf":
        return None
    return float(match.group(1))


def loudness_matched(seg, target_lufs: float = TARGET_LUFS) -> tuple[bytes, float | None, float]:
    """(WAV bytes at the target loudness, measured LUFS, gain applied in dB). The gain is capped so
    peaks stay under -1 dBFS; silence is left alone."""
    from playground.clinic import integrated_loudness, samples_of

    seg = seg.set_sample_width(2)
    wav = audio.wrap_pcm(seg.raw_data, seg.frame_rate, seg.channels)
    measured = integrated_loudness(samples_of(seg), seg.frame_rate) if len(seg.raw_data) else -math.inf
    lufs = None if measured == -math.inf else round(measured, 1)
    if lufs is None or lufs <= SILENT_LUFS:
        return wav, lufs, 0.0
    gain = max(-MAX_GAIN_DB, min(MAX_GAIN_DB, target_lufs - lufs))
    if seg.max:
        gain = min(gain, PEAK_CEILING_DBFS - seg.max_dBFS)
    out = seg.apply_gain(gain)
    return audio.wrap_pcm(out.raw_data, out.frame_rate, out.channels), lufs, gain


def _finish(cell: Cell, result: SpeechResult, first_audio_s: float | None, total_s: float) -> None:
    """Decode, measure and loudness-match one finished take (blocking: run in a thread)."""
    data = result.audio.playable()
    duration = rate = None
    try:
        seg = audio.decode(data)
        duration, rate = len(seg) / 1000.0, seg.frame_rate
        cell.playback, lufs, gain = loudness_matched(seg)
    except PlaygroundError as exc:
        cell.notes.append(f"could not decode the audio for playback: {messages.user_message(exc)}")
        cell.playback, lufs, gain = data, None, None
    price_per_m, currency = price(cell.pair.provider_id, cell.pair.model)
    cell.figures = Figures(
        first_byte_s=result.timing.first_byte_s,
        first_audio_s=first_audio_s,
        total_s=total_s,
        duration_s=duration,
        rtf=(total_s / duration) if duration else None,
        size_bytes=len(result.audio.data),
        format=result.audio.format,
        sample_rate=result.audio.sample_rate or rate,
        chars=len(cell.text),
        cost=None if price_per_m is None else price_per_m * len(cell.text) / 1e6,
        loudness_lufs=lufs,
        gain_db=gain,
        currency=currency,
    )


async def run_cell(pair: Pair, text: str, api_keys: dict[str, str] | None = None, request: Any = None) -> Cell:
    """One pair, start to finish; every failure is kept in the cell, never raised. `request`: a
    ready speech request instead of the pair's default one (the Arena's clones and references)."""
    cell = Cell(pair=pair, text=text)
    loop = asyncio.get_running_loop()
    first_audio: list[float] = []
    start = loop.time()

    def on_chunk(chunk: bytes) -> None:
        if chunk and not first_audio:
            first_audio.append(loop.time() - start)

    try:
        adapter = providers.get(pair.provider_id)
        request = speech_request(pair, text) if request is None else request
        result = await adapter.speak(request, api_key=(api_keys or {}).get(pair.provider_id), on_chunk=on_chunk)
        total = loop.time() - start
        cell.result = result
        await cpu.run(_finish, cell, result, first_audio[0] if first_audio else None, total, kind="after")
    except PlaygroundError as exc:
        cell.error = messages.user_message(exc)  # in the language of the page that asked
    except Exception as exc:  # a bug in one cell must not sink the others
        cell.error = f"Unexpected error ({type(exc).__name__})."
    return cell


async def compare(texts: list[str], pairs: list[Pair], api_keys: dict[str, str] | None = None) -> list[Cell]:
    """Every pair on every text, all at once. Cells come back in order (text-major)."""
    texts = [t.strip() for t in texts if t and t.strip()]
    if not texts:
        raise InputError("Type a text to compare.")
    if not pairs:
        raise InputError("Choose at least one provider/voice pair.")
    if len(pairs) * len(texts) > MAX_PAIRS:
        raise InputError(
            f"At most {MAX_PAIRS} takes per comparison; got {len(pairs)} pairs × {len(texts)} texts.",
            hint="Choose fewer pairs, or compare one language at a time.",
        )
    jobs = [run_cell(pair, text, api_keys) for text in texts for pair in pairs]
    return list(await asyncio.gather(*jobs))


# -- export -------------------------------------------------------------------------------------
def figures_table(cells: list[Cell], labels: list[str] | None = None) -> list[list[Any]]:
    """Rows for a table: label, status, then the figures (rounded)."""
    rows: list[list[Any]] = []
    for i, cell in enumerate(cells):
        label = labels[i] if labels else cell.pair.label
        f = cell.figures
        if f is None:
            rows.append([label, cell.error or "failed"] + [None] * 8)
            continue
        r = lambda v: None if v is None else round(v, 3)  # noqa: E731
        rows.append(
            [
                label,
                "ok",
                r(f.first_byte_s),
                r(f.first_audio_s),
                r(f.total_s),
                r(f.duration_s),
                r(f.rtf),
                f.size_bytes,
                f"{f.format} {f.sample_rate or ''}".strip(),
                "n/a" if f.cost is None else r(f.cost),
            ]
        )
    return rows


TABLE_HEADERS = [
    "pair",
    "status",
    "first byte s",
    "first audio s",
    "total s",
    "duration s",
    "RTF",
    "bytes",
    "format",
    "cost",
]


def zip_bytes(cells: list[Cell]) -> bytes:
    """Raw takes, loudness-matched copies and figures.json in one zip."""
    buf = io.BytesIO()
    summary = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, cell in enumerate(cells):
            stem = cell.file_stem(i)
            entry: dict[str, Any] = {
                "pair": cell.pair.key,
                "label": cell.pair.label,
                "text": cell.text,
                "error": cell.error,
                "notes": cell.notes,
            }
            if cell.result is not None:
                raw_name = f"raw/{stem}.{cell.result.audio.extension}"
                zf.writestr(raw_name, cell.result.audio.download_bytes())
                entry["raw"] = raw_name
            if cell.playback is not None:
                zf.writestr(f"loudness-matched/{stem}.wav", cell.playback)
            if cell.figures is not None:
                entry["figures"] = asdict(cell.figures)
            summary.append(entry)
        zf.writestr("figures.json", json.dumps(summary, ensure_ascii=False, indent=2))
    return buf.getvalue()
