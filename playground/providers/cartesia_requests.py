"""The Cartesia requests (providers-more.md section 3): what the adapter checks and sends, and how
the tab builder makes them from a form (presets/cartesia.json `ui`)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from playground import presets
from playground.audio import VoiceSample


@dataclass
class CartesiaClone:
    sample: VoiceSample | None
    name: str
    language: str | None = None
    description: str | None = None
    enhance: bool | None = None  # 2025-04-16 only; false is recommended (None: not sent)
    base_voice_id: str | None = None
    accent: str | None = None  # 2026 versions only
    version: str | None = None


@dataclass
class CartesiaSpeech:
    text: str
    voice: str = ""
    model: str | None = None
    language: str | None = None
    container: str | None = None  # wav | raw | mp3
    encoding: str | None = None  # raw / wav only
    sample_rate: int | None = None
    bit_rate: int | None = None  # mp3 only, in bps
    stream: bool = False  # /tts/sse (raw PCM chunks; a wav is wrapped here)
    speed: str | None = None  # experimental enum slow | normal | fast
    gen_speed: float | None = None  # generation_config (sonic-3 and later)
    gen_volume: float | None = None
    emotion: str | None = None
    duration: float | None = None
    add_timestamps: bool = False  # stream only
    version: str | None = None

    @classmethod
    def from_fields(cls, values: dict[str, Any]) -> "CartesiaSpeech":
        """From the form (presets ui): the generation_config sliders are hidden, and dropped, for a
        model without it; mp3 has no encoding; word timestamps only when streaming."""
        spec = presets.load("cartesia")
        values = {k: v for k, v in values.items() if v not in (None, "")}
        model = values.get("model") or spec["default_model"]
        if not spec["models"].get(model, {}).get("generation_config", True):
            for name in ("gen_speed", "gen_volume", "emotion"):
                values.pop(name, None)
        if values.get("container") == "mp3":
            values.pop("encoding", None)
        else:
            values.pop("bit_rate", None)
        if not values.get("stream"):
            values.pop("add_timestamps", None)
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})
