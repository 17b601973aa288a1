"""Form fields from declarations: one Gradio component per field of presets/<id>.json `ui`.

A field is a dict (see tab_builder.py for the whole format):

    {"name": "speed", "type": "slider", "label": "Speed", "range_from": "limits.speed", "step": 0.05,
     "default": 1.0, "help": "…", "column": "side"}

Any key ending in `_from` is read from the provider's presets instead (a dotted path, list indexes
allowed: "examples.en.0"). Values are coerced to the declared type before they reach the adapter.
"""

from __future__ import annotations

from typing import Any, Literal

import gradio as gr

from playground.audio import VoiceSample
from playground.ui.clinic_ui import build_consent

TYPES = ("text", "number", "int", "slider", "choice", "bool", "audio", "consent", "note")
INPUT_TYPES = tuple(t for t in TYPES if t != "note")  # a note is static text, not a parameter
AUDIO_SOURCES: list[Literal["upload", "microphone"]] = ["microphone", "upload"]


def lookup(spec: dict, path: str) -> Any:
    """`examples.en.0` -> spec["examples"]["en"][0]."""
    node: Any = spec
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def resolve(field: dict, spec: dict) -> dict:
    """The field with every `<key>_from` replaced by `<key>` read from the presets."""
    out = {}
    for key, value in field.items():
        if key.endswith("_from") and isinstance(value, str):
            out[key[: -len("_from")]] = lookup(spec, value)
        else:
            out[key] = value
    out.setdefault("type", "text")
    if out["type"] not in TYPES:
        raise ValueError(f"field {out.get('name')!r}: unknown type {out['type']!r} (one of {', '.join(TYPES)})")
    return out


def choices_of(field: dict) -> list[tuple[str, Any]]:
    """[(label, value)] from a list of values, of [label, value] pairs, or a dict keyed by value
    (labelled by its entries' "label" when the field says "labelled": true); "empty_choice": "(none)"
    puts ("(none)", "") first (sent as "", which an optional request field reads as its default)."""
    empty = [(str(field["empty_choice"]), "")] if field.get("empty_choice") else []
    return empty + _choices_of(field)


def _choices_of(field: dict) -> list[tuple[str, Any]]:
    raw = field.get("choices", [])
    if isinstance(raw, dict) and field.get("choices_filter"):  # dict entries with that flag set
        raw = {k: v for k, v in raw.items() if isinstance(v, dict) and v.get(field["choices_filter"])}
    if isinstance(raw, dict):
        if field.get("labelled"):
            return [(str(v.get("label", k)) if isinstance(v, dict) else str(k), k) for k, v in raw.items()]
        return [(str(k), k) for k in raw]
    out = []
    for item in raw:
        if isinstance(item, (list, tuple)) and len(item) == 2:
            out.append((str(item[0]), item[1]))
        else:
            out.append((str(item), item))
    return out


def default_of(field: dict) -> Any:
    if "default" in field:
        return field["default"]
    if field.get("required"):
        return None  # no default: the API asks for it
    return {"text": "", "bool": False, "consent": False}.get(field["type"])


def api_name(field: dict) -> str | None:
    """The API's own name of a field, shown under its plain-words label: `"api"` when declared (a
    dotted path such as "voice_setting.speed", or false for a field of the form only), else the field's
    name (the API parameter). None for notes, the consent box and audio (which show no secondary text)."""
    if field["type"] in ("note", "consent", "audio"):
        return None
    api = field.get("api", field["name"])
    return str(api) if api else None


def secondary_text(field: dict) -> str | None:
    """The text under a label: the help, then the API's name ("Reduces hiss · API: need_noise_reduction")."""
    help_text, api = field.get("help"), api_name(field)
    if api:
        return f"{help_text} · API: {api}" if help_text else f"API: {api}"
    return help_text or None


def build_field(field: dict, elem_id: str, *, visible: bool = True) -> gr.components.Component:
    """One component for a resolved field."""
    kind, label, value = field["type"], field.get("label", field["name"]), default_of(field)
    if kind == "note":
        return gr.Markdown(field.get("text", ""), elem_id=elem_id, visible=visible)
    if kind == "consent":  # "I have the right to clone this voice" (ui/clinic_ui.py); elem_id <prefix>-consent
        return build_consent(elem_id[: -len("-consent")] if elem_id.endswith("-consent") else elem_id)
    common = dict(label=label, elem_id=elem_id, visible=visible)
    if secondary_text(field):
        common["info"] = secondary_text(field)
    if kind == "text":
        return gr.Textbox(
            value=value,
            lines=field.get("lines", 1),
            max_lines=field.get("max_lines"),
            placeholder=field.get("placeholder"),
            **common,
        )
    if kind in ("number", "int"):
        lo, hi = field.get("range", (None, None))
        if empty_is_zero(field):
            lo = None  # the browser sends an empty box as 0, which Gradio would refuse; coerce() makes it None
        return gr.Number(
            value=value,
            precision=0 if kind == "int" else None,
            minimum=lo,
            maximum=hi,
            step=field.get("step", 1),
            **common,
        )
    if kind == "slider":
        lo, hi = field["range"]
        return gr.Slider(lo, hi, value=value, step=field.get("step"), **common)
    if kind == "bool":
        return gr.Checkbox(value=bool(value), **common)
    if kind == "audio":
        return gr.Audio(sources=AUDIO_SOURCES, type="filepath", **common)
    choices = choices_of(field)
    if field.get("widget") == "radio":
        return gr.Radio(choices, value=value, **common)
    return gr.Dropdown(choices, value=value, allow_custom_value=bool(field.get("custom")), **common)


def empty_is_zero(field: dict) -> bool:
    """An optional number whose range excludes 0: Gradio's browser box sends 0 when left empty."""
    lo = (field.get("range") or (None, None))[0]
    return field["type"] in ("number", "int") and default_of(field) is None and lo is not None and lo > 0


def coerce(field: dict, value: Any) -> Any:
    """A UI/API value as the adapter wants it: numbers as numbers, empty as None."""
    kind = field["type"]
    if kind == "audio":
        return VoiceSample.from_input(value)
    if value in field.get("empty_values", ()) or (value == 0 and empty_is_zero(field)):
        return None
    if value is None or (isinstance(value, str) and not value.strip() and kind not in ("text", "choice")):
        return None
    if kind == "int" or field.get("value_type") == "int":
        return int(float(value)) if value != "" else None
    if kind in ("number", "slider") or field.get("value_type") == "float":
        return float(value)
    if kind in ("bool", "consent"):
        return value if kind == "consent" else bool(value)
    return value


def allowed(field: dict, values: list) -> list[tuple[str, Any]]:
    """The declared choices limited to the values an adapter allows (new values labelled by themselves)."""
    declared = choices_of(field)
    known = {v for _, v in declared}
    return [c for c in declared if c[1] in values] + [(str(v), v) for v in values if v not in known]


def rule_fields(rule: dict | None) -> list[str]:
    """The fields a visible_when rule reads."""
    if not rule:
        return []
    if "all" in rule:
        return [name for r in rule["all"] for name in rule_fields(r) if name]
    return [rule["field"]]


def is_visible(rule: dict | None, values: dict, adapter: Any) -> bool:
    """visible_when: {"field": f, "equals": v} | {"field": f, "in": [...]} | {"field": f, "call": "method"}
    (an adapter method taking the value; truthy means shown) | {"all": [rule, ...]}. `values`: by field name."""
    if not rule:
        return True
    if "all" in rule:
        return all(is_visible(r, values, adapter) for r in rule["all"])
    value = values.get(rule["field"])
    if "equals" in rule:
        return value == rule["equals"]
    if "in" in rule:
        return value in rule["in"]
    if "call" in rule:
        return bool(getattr(adapter, rule["call"])(value))
    raise ValueError(f"visible_when needs equals, in or call: {rule}")
