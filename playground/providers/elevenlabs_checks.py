"""ElevenLabs requests and the checks made before anything is sent (providers-more.md 1.1-1.3).
Every limit comes from presets/elevenlabs.json; UNCONFIRMED ones are preset values."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields
from typing import Any

from playground.audio import VoiceSample, encode
from playground.errors import AudioInputError, InputError
from playground.providers.base import check_range, check_text, one_of

VOICE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # ids are 20 alphanumerics in practice; nothing else goes in a path


@dataclass
class ElevenLabsClone:
    samples: list[VoiceSample]
    name: str
    description: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    remove_background_noise: bool = False
    preflight: bool = True  # check can_use_instant_voice_cloning and free slots first (GET /v1/user/subscription)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_fields(cls, values: dict) -> ElevenLabsClone:
        return clone_from_fields(values)


@dataclass
class ElevenLabsSpeech:
    text: str
    voice_id: str = "JBFqnCBsd6RMkjVDRZzb"
    model_id: str = "eleven_multilingual_v2"
    output_format: str = "mp3_44100_128"
    stream: bool = False
    stability: float | None = None
    similarity_boost: float | None = None
    style: float | None = None
    use_speaker_boost: bool | None = None
    speed: float | None = None
    seed: int | None = None
    language_code: str | None = None
    apply_text_normalization: str | None = None
    optimize_streaming_latency: int | None = None
    previous_text: str | None = None
    next_text: str | None = None
    enable_logging: bool | None = None  # False: zero retention (enterprise only)

    @classmethod
    def from_fields(cls, values: dict) -> ElevenLabsSpeech:
        return speech_from_fields(values)


@dataclass(frozen=True)
class OutputFormat:
    """`mp3_44100_128` -> codec mp3, 44100 Hz, 128 kbps."""

    name: str
    codec: str
    sample_rate: int
    kbps: int | None

    @classmethod
    def parse(cls, name: str) -> OutputFormat:
        parts = name.split("_")
        return cls(name, parts[0], int(parts[1]), int(parts[2]) if len(parts) > 2 else None)

    @property
    def audio_format(self) -> str:
        """The SpeechAudio format of these bytes."""
        return self.codec


def check_voice_id(voice_id: str | None, label: str) -> str:
    voice_id = (voice_id or "").strip()
    if not voice_id:
        raise InputError("Choose a voice.", hint="A premade voice or one you cloned (its voice id).")
    if not VOICE_ID.match(voice_id):
        raise InputError(
            f"{voice_id[:40]!r} is not an {label} voice id.",
            hint="Voice ids are letters and digits, like JBFqnCBsd6RMkjVDRZzb.",
        )
    return voice_id


def check_speech(spec: dict, req: ElevenLabsSpeech, label: str) -> ElevenLabsSpeech:
    models = spec["models"]
    model = one_of((req.model_id or spec["default_model"]).strip(), list(models), "model_id", label)
    text = check_text(req.text, [1, int(models[model]["max_chars"])], f"{label} {model}")
    voice_id = check_voice_id(req.voice_id, label)
    fmt = (req.output_format or spec["default_output_format"]).strip()
    one_of(fmt, [*spec["output_formats"], *spec["non_stream_formats"]], "output_format", label)
    vs = spec["voice_settings"]
    for name in ("stability", "similarity_boost", "style", "speed"):
        check_range(getattr(req, name), vs[name]["range"], name, label)
    if req.seed is not None:
        if isinstance(req.seed, bool) or int(req.seed) != req.seed:
            raise InputError(f"seed must be a whole number; got {req.seed!r}.")
        check_range(int(req.seed), spec["seed"], "seed", label)
    language = (req.language_code or "").strip() or None
    if language is not None:
        if not re.fullmatch(r"[a-z]{2,3}", language):
            raise InputError(f"language_code must be an ISO 639-1 code like en or zh; got {language!r}.")
        if not models[model].get("language_code"):
            takers = ", ".join(m for m, s in models.items() if s.get("language_code"))
            raise InputError(
                f"{model} does not take language_code.",
                hint=f"Leave it empty (the language is detected), or choose {takers}.",
            )
    normalization = req.apply_text_normalization or None
    if normalization is not None:
        one_of(normalization, spec["apply_text_normalization"], "apply_text_normalization", label)
    latency = req.optimize_streaming_latency
    if latency is not None:
        if isinstance(latency, bool) or int(latency) != latency:
            raise InputError(f"optimize_streaming_latency must be a whole number; got {latency!r}.")
        check_range(int(latency), spec["optimize_streaming_latency"], "optimize_streaming_latency", label)
        latency = int(latency)
    return replace(
        req,
        text=text,
        model_id=model,
        voice_id=voice_id,
        output_format=fmt,
        language_code=language,
        apply_text_normalization=normalization,
        optimize_streaming_latency=latency,
        seed=None if req.seed is None else int(req.seed),
        stream=bool(req.stream),
        previous_text=(req.previous_text or "").strip() or None,
        next_text=(req.next_text or "").strip() or None,
    )


def wire_format(spec: dict, req: ElevenLabsSpeech) -> OutputFormat:
    """The output_format actually asked for: a streamed wav_<rate> goes as pcm_<rate> (wrapped here)."""
    fmt = OutputFormat.parse(req.output_format)
    if req.stream and fmt.codec == "wav":
        return OutputFormat.parse(f"{spec['stream_wav_as']}_{fmt.sample_rate}")
    return fmt


def speech_body(spec: dict, req: ElevenLabsSpeech) -> dict[str, Any]:
    """The JSON body: only the fields that were set (each voice setting overrides the stored one)."""
    body: dict[str, Any] = {"text": req.text, "model_id": req.model_id}
    settings = {name: getattr(req, name) for name in spec["voice_settings"] if getattr(req, name) is not None}
    if settings:
        body["voice_settings"] = {k: (bool(v) if k == "use_speaker_boost" else float(v)) for k, v in settings.items()}
    for name in ("seed", "language_code", "apply_text_normalization", "previous_text", "next_text"):
        if getattr(req, name) is not None:
            body[name] = getattr(req, name)
    return body


def speech_query(spec: dict, req: ElevenLabsSpeech) -> dict[str, str]:
    """output_format is a query parameter, never a body field (1.7 gotcha 2)."""
    query = {"output_format": wire_format(spec, req).name}
    if req.enable_logging is not None:
        query["enable_logging"] = "true" if req.enable_logging else "false"
    if req.optimize_streaming_latency is not None:
        query["optimize_streaming_latency"] = str(req.optimize_streaming_latency)
    return query


def check_clone(spec: dict, req: ElevenLabsClone, label: str) -> ElevenLabsClone:
    limits = spec["samples"]["clone"]
    name = (req.name or "").strip()
    if not name:
        raise InputError("Give the new voice a name.", hint="For example: My voice.")
    samples = [s for s in req.samples or [] if s is not None]
    if not samples:
        raise InputError("Record or upload at least one voice sample first.")
    if len(samples) > int(limits["max_files"]):
        raise InputError(
            f"{len(samples)} samples; {label} takes at most {limits['max_files']} per voice.",
            hint="Total length matters, not the number of files: 1-2 minutes in all is best.",
        )
    prepared, seen = [], set()
    for i, sample in enumerate(samples, 1):
        one = prepare_sample(sample, limits, label, i if len(samples) > 1 else None)
        digest = hashlib.sha256(one.data).hexdigest()
        if digest in seen:
            raise AudioInputError(
                f"Sample {i} is the same file as an earlier one; {label} refuses the same file twice.",
                hint="Remove the duplicate.",
            )
        seen.add(digest)
        prepared.append(one)
    labels = {}
    for key, value in (req.labels or {}).items():
        value = (value or "").strip() if isinstance(value, str) else value
        if value in (None, ""):
            continue  # an empty label is left out
        one_of(key, spec["clone"]["label_keys"], "label", label)
        if not isinstance(value, str):
            raise InputError(f"Label {key} must be text; got {value!r}.")
        labels[key] = value
    total = sum(s.info.duration_s for s in prepared)
    lo, hi = limits["recommended_total_s"]
    warnings = list(req.warnings)
    if total < lo:
        warnings.append(
            f"the samples last {total:.0f} s in all; {label} recommends at least {lo:g} s "
            f"(1-2 min) for a good clone (sent anyway)"
        )
    elif total > hi:
        warnings.append(f"the samples last {total:.0f} s in all; more than {hi:g} s gains little and can hurt")
    return ElevenLabsClone(
        samples=prepared,
        name=name,
        description=(req.description or "").strip() or None,
        labels=labels,
        remove_background_noise=bool(req.remove_background_noise),
        preflight=req.preflight,
        warnings=warnings,
    )


def prepare_sample(sample: VoiceSample, limits: dict, label: str, index: int | None) -> VoiceSample:
    what = "voice sample" if index is None else f"voice sample {index}"
    max_bytes = int(limits["max_bytes"])
    one = sample.prepared({**limits, "label": what, "max_bytes": None}, label)
    if one.size > max_bytes and one.format != "mp3":  # a long wav may still fit as mp3
        one = VoiceSample(
            data=encode(one.segment, "mp3", bitrate="128k"),
            filename=f"{one.upload_name()[:-4]}.mp3",
            format="mp3",
            notes=[*one.notes, "converted to mp3 to stay under 10 MB"],
        )
    if one.size > max_bytes:
        raise AudioInputError(
            f"The {what} is {one.size / 1048576:.1f} MB; {label} takes at most {max_bytes / 1048576:g} MB per file.",
            hint="Use a shorter recording.",
        )
    return one


def clone_form(req: ElevenLabsClone) -> tuple[dict[str, str], list[tuple[str, tuple[str, bytes, str]]]]:
    """(form fields, repeated `files` parts). Labels go as a JSON string, booleans as "true"/"false"."""
    import json

    data = {"name": req.name, "remove_background_noise": "true" if req.remove_background_noise else "false"}
    if req.description:
        data["description"] = req.description
    if req.labels:
        data["labels"] = json.dumps(req.labels, ensure_ascii=False)
    names: set[str] = set()
    files = []
    for i, sample in enumerate(req.samples, 1):
        filename, content, mime = sample.multipart()
        if filename in names:
            stem, _, ext = filename.rpartition(".")
            filename = f"{stem}_{i}.{ext}"
        names.add(filename)
        files.append(("files", (filename, content, mime)))
    return data, files


# -- requests from a generated form's values (ui/tab_builder.py; presets/elevenlabs.json "ui") -----------------
SETTINGS = ("stability", "similarity_boost", "style", "use_speaker_boost", "speed")
LABEL_FIELDS = ("language", "accent", "gender", "age")


def _given(values: dict, names) -> dict:
    return {n: values[n] for n in names if n in values and values[n] not in (None, "")}


def speech_from_fields(values: dict) -> ElevenLabsSpeech:
    """Voice settings are sent only when `override_settings` is on (each one overrides the voice's own)."""
    names = [f.name for f in dataclass_fields(ElevenLabsSpeech)]
    given = _given(values, names)
    if not values.get("override_settings"):
        for name in SETTINGS:
            given.pop(name, None)
    return ElevenLabsSpeech(**given)


def clone_from_fields(values: dict) -> ElevenLabsClone:
    """`sample`, `sample_2`, `sample_3` become the repeated files; the label fields one labels dict."""
    samples = [values[n] for n in ("sample", "sample_2", "sample_3") if values.get(n) is not None]
    labels = {k: str(v).strip() for k, v in _given(values, LABEL_FIELDS).items() if str(v).strip()}
    given = _given(values, ("name", "description", "remove_background_noise", "preflight"))
    return ElevenLabsClone(samples=samples, labels=labels, **{"name": "", **given})
