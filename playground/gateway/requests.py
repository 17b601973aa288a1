"""One OpenAI-style speech request -> the provider adapter's own request dataclass.

The four providers of the first release have a builder each (their fields differ: MiniMax's
`voice_id` and `format`, SiliconFlow's sample rates, CosyVoice's in-text instructions). Any other
provider in the registry gets the generic builder: its speech request class (declared as
`REQUESTS["speak"]` on the adapter, or the `*Speech` dataclass of its module) is filled by field
name: text/input, model, voice/voice_id, response_format/format, speed, stream, instructions.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from playground import presets, providers
from playground.errors import UnsupportedError
from playground.gateway import catalog

PCM_RATE = 24000  # OpenAI's pcm: 24 kHz, 16-bit, mono, little-endian


@dataclass
class Ask:
    """What the caller asked for, provider-neutral."""

    pid: str
    model: str
    text: str
    voice: str
    fmt: str  # the format the provider is asked for (a native one)
    speed: float | None = None
    instructions: str | None = None
    stream_format: str = "audio"


def _siliconflow(ask: Ask) -> Any:
    from playground.providers.siliconflow import SiliconFlow, SiliconFlowSpeech

    adapter = providers.get("siliconflow")
    assert isinstance(adapter, SiliconFlow)  # the registry's adapter for "siliconflow"
    rates = adapter.sample_rates(ask.fmt)
    rate = PCM_RATE if PCM_RATE in rates and ask.fmt in ("pcm", "wav") else adapter.default_sample_rate(ask.fmt)
    text = ask.text
    if ask.instructions and adapter.model_spec(ask.model).get("instructions"):
        text = f"{ask.instructions.strip()}<|endofprompt|>{text}"  # CosyVoice's instruction syntax
    return SiliconFlowSpeech(
        text=text,
        model=ask.model,
        voice=ask.voice,
        response_format=ask.fmt,
        sample_rate=rate,
        stream=True,
        speed=1.0 if ask.speed is None else ask.speed,
    )


def _minimax(ask: Ask) -> Any:
    from playground.providers.minimax import MiniMaxSpeech

    spec = presets.load("minimax")
    rate = PCM_RATE if ask.fmt in ("pcm", "wav") else int(spec["default_sample_rate"])
    return MiniMaxSpeech(
        text=ask.text,
        voice_id=ask.voice,
        model=ask.model,
        format=ask.fmt,
        sample_rate=rate,
        speed=1.0 if ask.speed is None else ask.speed,
        stream=ask.fmt in catalog.streamed_formats("minimax"),
    )


def _zhipu(ask: Ask) -> Any:
    from playground.providers.zhipu import ZhipuSpeech

    return ZhipuSpeech(
        text=ask.text,
        model=ask.model,
        voice=ask.voice,
        response_format=ask.fmt,
        stream=ask.fmt in catalog.streamed_formats("zhipu"),
        speed=1.0 if ask.speed is None else ask.speed,
    )


def _openai_compat(ask: Ask) -> Any:
    from playground.providers.openai_compat import OpenAISpeech

    return OpenAISpeech(
        text=ask.text,
        model=ask.model,
        voice=ask.voice,
        instructions=ask.instructions,
        response_format=ask.fmt,
        speed=1.0 if ask.speed is None else ask.speed,
        stream_format=ask.stream_format,
    )


BUILDERS: dict[str, Callable[[Ask], Any]] = {
    "siliconflow": _siliconflow,
    "minimax": _minimax,
    "zhipu": _zhipu,
    "openai_compat": _openai_compat,
}

# request field name -> where its value comes from (the first name a dataclass has wins)
GENERIC_FIELDS: list[tuple[tuple[str, ...], Callable[[Ask], Any]]] = [
    (("text", "input"), lambda a: a.text),
    (("model", "model_id"), lambda a: a.model),
    (("voice", "voice_id", "reference_id"), lambda a: a.voice),
    (("response_format", "format", "output_format"), lambda a: a.fmt),
    (("speed",), lambda a: a.speed),
    (("instructions",), lambda a: a.instructions),
    (("stream",), lambda a: a.fmt in catalog.streamed_formats(a.pid)),
]


def speech_class(pid: str) -> type:
    """The adapter's speech request dataclass."""
    adapter_cls = providers.PROVIDERS[pid]
    declared = getattr(adapter_cls, "REQUESTS", {}).get("speak")
    if declared is not None:
        return declared
    module = sys.modules[adapter_cls.__module__]
    found = [
        obj
        for name, obj in vars(module).items()
        if inspect.isclass(obj)
        and dataclasses.is_dataclass(obj)
        and name.endswith("Speech")
        and obj.__module__ == module.__name__
    ]
    if len(found) != 1:
        raise UnsupportedError(f"{presets.load(pid)['label']} has no speech request the gateway can fill.")
    return found[0]


def generic(ask: Ask) -> Any:
    cls = speech_class(ask.pid)
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    kwargs: dict[str, Any] = {}
    for candidates, value_of in GENERIC_FIELDS:
        name = next((n for n in candidates if n in names), None)
        value = value_of(ask)
        if name is not None and value is not None:
            kwargs[name] = value
    return cls(**kwargs)


def build(ask: Ask) -> Any:
    """The adapter's request for this ask (checked later by the adapter's own speak())."""
    return BUILDERS.get(ask.pid, generic)(ask)
