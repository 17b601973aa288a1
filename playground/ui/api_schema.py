"""A clean API description (/gradio_api/info, gradio_client's view_api) for every named endpoint.

Gradio names parameters after the handler's signature but labels them, and names return values,
after the components' labels, which ui/i18n.py replaced by i18n markers
(`__i18n__{"__type__": "translation_metadata", "key": "vcp_…"}`). `install(demo)` wraps the
app's get_api_info so that:
- labels are the English text again (a parameter's description is its help line), and an unlabelled output
  gets a readable name from its elem_id (`sf-speak-info` -> `summary`) instead of `value_133`;
- a dropdown that takes typed values (allow_custom_value: voice ids, model names, uploaded uris)
  is described by its type, not as a Literal of today's presets.
"""

from __future__ import annotations

import json
from typing import Any

import gradio as gr
from gradio.data_classes import APIInfo
from gradio_client import utils as client_utils

from playground.ui import i18n

MARKER = "__i18n__"
# the last part of an unlabelled output's elem_id -> the return value's name
RETURN_NAMES = {
    "info": "summary",
    "live": "live_player",
    "table": "rows",
    "check-info": "summary",
    "voice-check": "voice_id_check",
}


def english(label: Any) -> Any:
    """The English text of an i18n marker; anything else unchanged."""
    if not isinstance(label, str) or not label.startswith(MARKER):
        return label
    try:
        key = json.loads(label[len(MARKER) :])["key"]
    except (ValueError, KeyError, TypeError):
        return label
    return i18n.I18N.translations.get("en", {}).get(key, key)


def _return_name(component: Any, label: Any) -> str:
    label = english(label)
    if isinstance(label, str) and label and not label.startswith("value_"):
        return label
    elem = getattr(component, "elem_id", None) or ""
    for suffix, name in RETURN_NAMES.items():
        if elem.endswith("-" + suffix):
            return name
    return elem.rsplit("-", 1)[-1] if elem else str(label)


def _free_type(component: Any, info: dict) -> dict:
    """A custom-value dropdown: the type of its values, without the enum of its current choices."""
    values = [c[1] for c in getattr(component, "choices", []) or []]
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return {"type": "number"}
    return {k: v for k, v in info.items() if k != "enum"}


def clean(demo: gr.Blocks, info: APIInfo) -> APIInfo:
    endpoints = info.get("named_endpoints", {})
    for fn in demo.fns.values():
        endpoint = endpoints.get(f"/{fn.api_name}")
        if endpoint is None:
            continue
        inputs = [c for c in fn.inputs if not getattr(c, "skip_api", False)]
        for component, param in zip(inputs, endpoint["parameters"], strict=False):
            param["label"] = english(param["label"])
            help_text = english(getattr(component, "info", None))
            if isinstance(help_text, str) and help_text and not param["python_type"].get("description"):
                param["python_type"]["description"] = help_text  # the form's help line
            if isinstance(component, gr.Dropdown) and component.allow_custom_value and not component.multiselect:
                param["type"] = _free_type(component, param["type"] or {})
                param["python_type"]["type"] = client_utils.json_schema_to_python_type(param["type"])
        outputs = [c for c in fn.outputs if not getattr(c, "skip_api", False)]
        for component, ret in zip(outputs, endpoint["returns"], strict=False):
            ret["label"] = _return_name(component, ret["label"])
    return info


def install(demo: gr.Blocks) -> gr.Blocks:
    """Make demo.get_api_info() (what /gradio_api/info serves) return the cleaned description."""
    original = demo.get_api_info

    def get_api_info(all_endpoints: bool = False, page: str | None = None) -> APIInfo:
        return clean(demo, original(all_endpoints=all_endpoints, page=page))

    demo.get_api_info = get_api_info  # type: ignore[method-assign]
    return demo
