"""What the gateway offers, read from the provider registry and the presets (never a list of its own).

A model id is `<provider id>/<the provider's model id>`: `siliconflow/FunAudioLLM/CosyVoice2-0.5B`,
`minimax/speech-02-hd`, `zhipu/glm-tts`, `openai_compat/tts-1`. A provider added to
`playground.providers.PROVIDERS` with a preset joins on its own: its models come from the preset's
`speech_models` or `models` (a list or an object keyed by model id), its system voices from
`system_voices` (list or object), `system_voice_names`, or `seed_voices` + `newer_voices`, and
the formats it returns itself from `formats` (list or object).
"""

from __future__ import annotations

from typing import Any

from playground import presets, providers
from playground.errors import InputError


class UnknownModelError(InputError):
    """A model id that names no provider or no model of it (the gateway answers 404)."""


def provider_ids() -> list[str]:
    return [pid for pid, cls in providers.PROVIDERS.items() if cls.SUPPORTS_SPEAK]


def _keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [str(k) for k in value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return []


def models_of(pid: str) -> list[str]:
    spec = presets.load(pid)
    return _keys(spec.get("speech_models") or spec.get("models"))


def model_ids() -> list[tuple[str, str, str]]:
    """(gateway model id, provider id, provider model id) for every speech model of every provider."""
    return [(f"{pid}/{model}", pid, model) for pid in provider_ids() for model in models_of(pid)]


def split_model(model_id: str) -> tuple[str, str]:
    """`minimax/speech-02-hd` -> ("minimax", "speech-02-hd"). Raises UnknownModelError."""
    model_id = (model_id or "").strip()
    pid, _, model = model_id.partition("/")
    if pid not in provider_ids() or not model:
        raise UnknownModelError(
            f"The model `{model_id}` does not exist: a model here is <provider>/<model>, "
            f"with provider one of {', '.join(provider_ids())}.",
            hint="GET /v1/models lists them all.",
        )
    known = models_of(pid)
    if known and model not in known and pid != "openai_compat":  # a gateway may serve models of its own
        raise UnknownModelError(
            f"The model `{model_id}` does not exist.", hint=f"{presets.load(pid)['label']} models: {', '.join(known)}."
        )
    return pid, model


def native_formats(pid: str) -> list[str]:
    """The response formats the provider returns itself (others are converted)."""
    return _keys(presets.load(pid).get("formats"))


def streamed_formats(pid: str) -> list[str]:
    """Formats the provider streams as they are made (the others come in one piece)."""
    spec = presets.load(pid)
    listed = spec.get("stream_formats")
    if pid == "openai_compat" or not isinstance(listed, list) or not set(listed) & set(native_formats(pid)):
        return native_formats(pid)  # openai_compat's stream_formats are audio/sse, not formats
    return [str(f) for f in listed]


def system_voices(pid: str, model: str) -> list[tuple[str, str]]:
    """(voice id, label) of the provider's built-in voices for a model."""
    adapter = providers.get(pid)
    spec = adapter.spec
    if pid == "siliconflow":
        if not spec["models"].get(model, {}).get("system_voices"):
            return []
        return [(name, f"{name} ({model}:{name})") for name in spec["system_voice_names"]]
    if pid == "zhipu":
        from playground.providers.zhipu import Zhipu

        assert isinstance(adapter, Zhipu)  # the registry's adapter for "zhipu"
        labels = spec["system_voices"]
        return [(v, labels.get(v, v)) for v in adapter.system_voices(model)]
    voices = spec.get("system_voices")
    if isinstance(voices, dict):
        return [(str(k), str(v)) for k, v in voices.items()]
    if isinstance(voices, list):
        return [(str(v), str(v)) for v in voices]
    names = spec.get("system_voice_names") or [*spec.get("seed_voices", []), *spec.get("newer_voices", [])]
    return [(str(v), str(v)) for v in names]


def default_voice(pid: str, model: str) -> str | None:
    spec = presets.load(pid)
    voices = system_voices(pid, model)
    return spec.get("default_voice") or (voices[0][0] if voices else None)
