"""The Fish Audio requests (providers-more.md section 2): what the adapter checks and sends, and how
the tab builder makes them from a form (presets/fishaudio.json `ui`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playground.audio import VoiceSample
from playground.errors import InputError

MAX_FORM_SAMPLES = 3  # audio fields on the clone form (the API takes up to 20 through the adapter)


@dataclass
class FishReference:
    sample: VoiceSample
    text: str


@dataclass
class FishClone:
    samples: list[VoiceSample]
    title: str
    texts: list[str] | None = None  # one transcript per sample, same order; none: Fish runs ASR
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    visibility: str | None = None  # None: the preset's default (private)
    train_mode: str | None = None
    enhance_audio_quality: bool | None = None
    wait: bool = True  # poll GET /model/{_id} until trained

    @classmethod
    def from_fields(cls, values: dict[str, Any]) -> FishClone:
        """From the form (presets ui): up to MAX_FORM_SAMPLES audio fields `audio`, `audio_2`, … with
        transcripts `text`, `text_2`, … (all or none); `tags` comma-separated."""
        suffixes = [""] + [f"_{i}" for i in range(2, MAX_FORM_SAMPLES + 1)]
        pairs = [(values.get(f"audio{s}"), (values.get(f"text{s}") or "").strip()) for s in suffixes]
        given = [(a, t) for a, t in pairs if a is not None]
        tags = [t.strip() for t in str(values.get("tags") or "").split(",") if t.strip()]
        kept = {
            k: values[k]
            for k in ("visibility", "train_mode", "enhance_audio_quality", "description")
            if values.get(k) not in (None, "")
        }
        return cls(
            samples=[a for a, _ in given],
            title=values.get("title") or "",
            texts=[t for _, t in given] if any(t for _, t in given) else None,
            tags=tags,
            **kept,
        )


@dataclass
class FishSpeech:
    text: str
    model: str | None = None  # the `model` header; None: the preset's default
    reference_id: str | None = None
    references: list[FishReference] = field(default_factory=list)
    format: str | None = None
    sample_rate: int | None = None
    mp3_bitrate: int | None = None
    opus_bitrate: int | None = None
    latency: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    chunk_length: int | None = None
    min_chunk_length: int | None = None
    normalize: bool | None = None
    speed: float | None = None
    volume: float | None = None  # dB
    normalize_loudness: bool | None = None

    @classmethod
    def from_fields(cls, values: dict[str, Any]) -> FishSpeech:
        """From the form (presets ui): voice_source 'model' speaks with `voice` (a model id, sent as
        reference_id); 'reference' with reference_audio + reference_text (inline, msgpack)."""
        source = values.get("voice_source") or "model"
        reference_id, references = None, []
        if source == "reference":
            if values.get("reference_audio") is None:
                raise InputError("Record or upload a reference clip, or switch the voice source to a model.")
            references = [FishReference(values["reference_audio"], values.get("reference_text") or "")]
        elif source == "model":
            reference_id = values.get("voice") or None
        else:
            raise InputError("voice_source must be 'model' or 'reference'.")
        names = (
            "model",
            "format",
            "sample_rate",
            "mp3_bitrate",
            "opus_bitrate",
            "latency",
            "temperature",
            "top_p",
            "chunk_length",
            "min_chunk_length",
            "normalize",
            "speed",
            "volume",
            "normalize_loudness",
        )
        kept = {k: values[k] for k in names if values.get(k) not in (None, "")}
        return cls(text=values.get("text") or "", reference_id=reference_id, references=references, **kept)
