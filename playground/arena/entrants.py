"""Who takes part in an Arena run: every provider that can clone here, read from the registry.

An entrant is one way to get "my voice" out of one provider: an uploaded voice per model
(SiliconFlow), upload + clone (MiniMax, Zhipu), an inline reference (SiliconFlow zero-shot), or
the control (a system voice that has nothing to do with the sample). The provider-specific steps
live in recipes.py; a provider added later joins by declaring SUPPORTS_CLONE or SUPPORTS_UPLOAD
and giving its adapter the two Arena hooks described there (`arena_clone`, `arena_speech_request`).
"""

from __future__ import annotations

from dataclasses import dataclass

from playground import presets, providers

KINDS = ("clone", "zero_shot", "control")


@dataclass(frozen=True)
class Entrant:
    key: str  # stable id, e.g. "siliconflow:upload:FunAudioLLM/CosyVoice2-0.5B"
    provider_id: str
    kind: str  # "clone" | "zero_shot" | "control"
    model: str | None
    label: str
    operation: str  # the clinic's samples key the sample is prepared for ("" for the control)
    voice: str | None = None  # the control's fixed system voice

    @property
    def needs_clone(self) -> bool:
        return self.kind == "clone"


def arena_spec() -> dict:
    return presets.load("arena")


def _model_label(spec: dict, model: str) -> str:
    label = spec.get("models", {}).get(model, {})
    label = label.get("label", model) if isinstance(label, dict) else model
    return label.split(" (")[0]


# providers whose Arena clone is one sample -> one cloned voice through their own clone_voice()
# (recipes.SAMPLE_CLONES holds how each builds its request, keyed by these ids)
SAMPLE_CLONE_PROVIDERS = frozenset({"elevenlabs", "fishaudio", "cartesia"})


def has_hooks(cls: type) -> bool:
    """A provider added later joins the Arena by declaring its own hooks (arena_clone, arena_speech_request)."""
    return callable(getattr(cls, "arena_clone", None)) and callable(getattr(cls, "arena_speech_request", None))


def provider_entrants(provider_id: str) -> list[Entrant]:
    """The entrants one provider contributes (none when it cannot clone)."""
    cls = providers.PROVIDERS[provider_id]
    if not (cls.SUPPORTS_CLONE or cls.SUPPORTS_UPLOAD):
        return []
    spec = presets.load(provider_id)
    label = spec["label"]
    out: list[Entrant] = []
    if provider_id == "siliconflow":
        for model, facts in spec["models"].items():
            if facts.get("upload") and facts.get("uploaded_voices"):
                out.append(
                    Entrant(
                        f"siliconflow:upload:{model}",
                        provider_id,
                        "clone",
                        model,
                        f"{label} · {_model_label(spec, model)} · uploaded voice",
                        "upload",
                    )
                )
        zero = arena_spec()["zero_shot"].get(provider_id)
        if zero:
            out.append(
                Entrant(
                    f"siliconflow:reference:{zero['model']}",
                    provider_id,
                    "zero_shot",
                    zero["model"],
                    zero["label"],
                    "reference",
                )
            )
    elif provider_id == "minimax":
        model = spec["default_model"]
        out.append(
            Entrant(f"minimax:clone:{model}", provider_id, "clone", model, f"{label} · {model} · clone", "voice_clone")
        )
    elif provider_id == "zhipu":
        model = spec["default_clone_model"]
        out.append(Entrant(f"zhipu:clone:{model}", provider_id, "clone", model, f"{label} · {model} · clone", "clone"))
    elif provider_id in SAMPLE_CLONE_PROVIDERS or has_hooks(cls):  # one sample -> one cloned voice
        model = spec.get("default_model")
        op = "clone" if "clone" in spec.get("samples", {}) else next(iter(spec.get("samples", {})), "clone")
        out.append(
            Entrant(
                f"{provider_id}:clone:{model or ''}",
                provider_id,
                "clone",
                model,
                f"{label} · {model} · clone" if model else f"{label} · clone",
                op,
            )
        )
    return out


def control_entrant() -> Entrant:
    c = arena_spec()["control"]
    return Entrant(
        f"{c['provider']}:control:{c['voice']}",
        c["provider"],
        "control",
        c["model"],
        c["label"],
        "",
        voice=f"{c['model']}:{c['voice']}" if c["provider"] == "siliconflow" else c["voice"],
    )


def all_entrants() -> list[Entrant]:
    """Every entrant this app offers, the control last."""
    out = [e for pid in providers.PROVIDERS for e in provider_entrants(pid)]
    return [*out, control_entrant()]


def default_keys() -> list[str]:
    return [e.key for e in all_entrants()]


def by_keys(keys: list[str] | None) -> list[Entrant]:
    """The chosen entrants in registry order; unknown keys are an InputError."""
    from playground.errors import InputError

    known = {e.key: e for e in all_entrants()}
    if not keys:
        return list(known.values())
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise InputError(f"Unknown Arena entrant(s): {', '.join(unknown)}.", hint=f"Choose from: {', '.join(known)}.")
    return [e for k, e in known.items() if k in keys]
