"""The tab builder (ui/tab_builder.py): a provider declared only as an adapter + a presets `ui`
section gets a whole tab with named endpoints, typed parameters with defaults, and no UI code;
and every declared label of the real presets is translated."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import gradio as gr
import pytest

from playground import presets, providers
from playground.providers.base import Provider
from playground.ui import fair_queue, i18n, tab_handlers, tabs
from playground.ui.form_fields import choices_of, resolve
from playground.ui.tab_builder import build_provider_tab


@dataclass
class FakeSpeech:
    text: str
    voice: str = "amy"
    speed: float = 1.0
    stream: bool = False
    response_format: str = "mp3"
    style: str | None = None


class Fake(Provider):
    ID = "fakeprov"
    REQUESTS = {"speak": FakeSpeech}

    def takes_style(self, voice: str) -> bool:
        return voice == "bob"


SPEC = {
    "id": "fakeprov",
    "label": "Fake",
    "env_key": "FAKE_API_KEY",
    "env_base_url": "FAKE_BASE_URL",
    "default_base_url": "https://fake.invalid/v1",
    "key_help": "Any text.",
    "voices": ["amy", "bob"],
    "limits": {"speed": [0.5, 2.0], "input_chars": [1, 500]},
    "ui": {
        "prefix": "fk",
        "operations": {
            "speak": {
                "api_name": "fakeprov_speak",
                "description": "Speak.",
                "fields": [
                    {
                        "name": "text",
                        "type": "text",
                        "label": "Text",
                        "required": True,
                        "counter_from": "limits.input_chars",
                    },
                    {
                        "name": "voice",
                        "type": "choice",
                        "label": "Voice",
                        "choices_from": "voices",
                        "default": "amy",
                        "custom": True,
                    },
                    {
                        "name": "style",
                        "type": "text",
                        "label": "Style",
                        "visible_when": {"field": "voice", "call": "takes_style"},
                    },
                    {
                        "name": "speed",
                        "type": "slider",
                        "label": "Speed",
                        "range_from": "limits.speed",
                        "step": 0.1,
                        "default": 1.0,
                        "column": "side",
                    },
                    {"name": "stream", "type": "bool", "label": "Stream", "default": False, "column": "side"},
                    {
                        "name": "response_format",
                        "type": "choice",
                        "widget": "radio",
                        "label": "Format",
                        "choices": ["mp3", "wav"],
                        "default": "mp3",
                        "elem": "format",
                        "column": "side",
                    },
                ],
            }
        },
    },
}


@pytest.fixture
def fake(monkeypatch):
    real_load = presets.load
    monkeypatch.setattr(presets, "load", lambda pid: SPEC if pid == "fakeprov" else real_load(pid))
    monkeypatch.setitem(providers.PROVIDERS, "fakeprov", Fake)
    providers.get.cache_clear()
    tabs.speak_handler.cache_clear()
    yield
    providers.get.cache_clear()
    tabs.speak_handler.cache_clear()


def test_a_declared_provider_gets_a_whole_tab_without_ui_code(fake):
    with gr.Blocks() as demo, gr.Tab("Fake"):
        ctx = build_provider_tab("fakeprov")
    ids = {getattr(b, "elem_id", None) for b in demo.blocks.values()}
    for part in (
        "text",
        "counter",
        "voice",
        "style",
        "speed",
        "stream",
        "format",
        "btn",
        "cancel",
        "live",
        "audio",
        "file",
        "info",
    ):
        assert f"fk-speak-{part}" in ids, part
    assert {"fakeprov-badge", "fakeprov-key", "fakeprov-code"} <= ids
    assert ctx.forms["speak"].fields["style"].visible is False  # amy takes no style
    public = {fn.api_name for fn in demo.fns.values() if fn.api_visibility == "public"}
    assert "fakeprov_speak" in public
    assert fair_queue.provider_of("fakeprov_speak") == "fakeprov"


def test_the_endpoint_signature_is_the_declared_fields_with_their_defaults(fake):
    fn = tabs.speak_handler("fakeprov")
    params = inspect.signature(fn).parameters
    assert list(params) == ["text", "voice", "style", "speed", "stream", "response_format", "api_key", "progress"]
    assert params["text"].default is inspect.Parameter.empty
    assert (params["voice"].default, params["speed"].default, params["api_key"].default) == ("amy", 1.0, "")
    assert fn.__name__ == "fakeprov_speak" and fn.__doc__ == "Speak."


def test_requests_are_built_from_coerced_field_values(fake):
    call = tab_handlers._call(
        "fakeprov", "speak", tab_handlers.signature("fakeprov", "speak"), ("Hi", "bob", "", "1.5", 1, "wav", "k"), {}
    )
    request = providers.get("fakeprov").request_from_fields("speak", call.values)
    assert request == FakeSpeech(text="Hi", voice="bob", speed=1.5, stream=True, response_format="wav", style=None)
    assert call.api_key == "k" and "api_key" not in call.raw  # the key is never kept with a take


def _declared_texts(pid: str) -> list[str]:
    spec = presets.load(pid)
    ui = spec["ui"]
    fields = [resolve(f, spec) for f in ui.get("account", [])]
    texts = []
    for decl in ui["operations"].values():
        texts += [decl.get("title"), decl.get("button"), decl.get("result_label"), *decl.get("headers", [])]
        texts.append(decl.get("delete", {}).get("label"))
        fields += [resolve(f, spec) for f in decl.get("fields", [])]
    for f in fields:
        if f["type"] == "consent":  # its text is ui/clinic_ui.py's
            continue
        texts += [f.get("label"), f.get("help"), f.get("text")]
        texts += [label for label, value in choices_of(f) if label != str(value)] if f["type"] == "choice" else []
    return [t for t in texts if t]


@pytest.mark.parametrize("pid", [p for p in providers.PROVIDERS if "ui" in presets.load(p)])
def test_every_declared_label_is_translated(pid):
    missing = [t for t in _declared_texts(pid) if i18n.chinese(t) is None]
    assert not missing, f"add these to presets/i18n.json (with their Chinese): {missing}"


def test_an_empty_optional_number_box_is_none_not_a_refused_zero():
    """Gradio's browser box sends 0 when left empty: an optional number whose range excludes 0
    (Cartesia's maximum duration) is built without the minimum and reads 0 as None."""
    from playground.ui.form_fields import build_field, coerce, empty_is_zero

    field = resolve(
        next(f for f in presets.load("cartesia")["ui"]["operations"]["speak"]["fields"] if f["name"] == "duration"),
        presets.load("cartesia"),
    )
    assert empty_is_zero(field) and coerce(field, 0) is None and coerce(field, 2.5) == 2.5
    with gr.Blocks():
        box = build_field(field, "x-duration")
    assert box.preprocess(0) == 0  # Gradio no longer refuses it; the adapter checks the range
    seed = {"name": "seed", "type": "int", "default": None}  # 0 is a real seed: kept
    assert not empty_is_zero(seed) and coerce(seed, 0) == 0
