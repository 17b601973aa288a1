"""What the OpenAI-compatible tab adds to the generic one (ui/tab_builder.py builds the rest from
presets/openai_compat.json `ui`): the gateway check (`openai_models`), the sandbox-gateway
button, and a speak summary that says how the stream arrived and which fields were sent.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import gradio as gr
from gradio.context import Context

from playground import providers
from playground.providers.openai_compat import ModelList, OpenAISpeechResult
from playground.ui import keys
from playground.ui.common import speech_summary, ui_errors
from playground.ui.event_args import EventOptions
from playground.ui.form_fields import choices_of

PID = "openai_compat"
NO_MODELS_ENDPOINT = "this gateway has no /models endpoint; type the model name"


def _oa():
    return providers.get(PID)


@ui_errors
async def openai_models(base_url: str = "", api_key: str = ""):
    """GET {base_url}/models. Returns a summary and the model ids (empty when the gateway has no /models)."""
    found = await _oa().list_models(api_key=api_key, base_url=base_url)
    return models_summary(found), found.models


def speak_summary(result: OpenAISpeechResult, update=None) -> str:
    parts = [speech_summary(result)]
    mode = "SSE events" if result.request_fields.get("stream_format") == "sse" else "chunked audio body"
    if result.first_audio_s is not None:
        parts.append(f"first audio chunk after {result.first_audio_s:.2f} s ({result.chunks} chunks, {mode})")
    fields = ", ".join(f"`{k}`" for k in result.request_fields)
    parts.append(f"sent {fields}")
    text = " · ".join(parts)
    if result.notes:
        text += "\n\n" + "\n".join(f"- ℹ️ {note}" for note in result.notes)
    return text


def models_summary(found: ModelList) -> str:
    where = f"`{found.base_url}`" + (" (sandbox)" if found.sandbox else "")
    if not found.has_endpoint:
        detail = f" ({found.detail})" if found.detail else ""
        return f"**{NO_MODELS_ENDPOINT[0].upper()}{NO_MODELS_ENDPOINT[1:]}.** {where}{detail}"
    if not found.models:
        return f"**{where} lists no models.** Type the model name."
    speech = ", ".join(f"`{m}`" for m in found.speech_models) or "none that look like speech models (type the name)"
    return f"**{len(found.models)} models** at {where}. Speech models: {speech}."


def _on_models_listed(ctx: SimpleNamespace):
    model_decl = ctx.forms["speak"].decl["model"]

    def on_listed(models, current):
        pattern = re.compile(_oa().spec["speech_model_pattern"], re.I)
        choices = choices_of(model_decl)
        known = {v for _, v in choices}
        speech = [m for m in (models or []) if isinstance(m, str) and pattern.search(m) and m not in known]
        return gr.update(choices=choices + [(f"{m} (listed by the gateway)", m) for m in speech], value=current)

    return on_listed


def _on_use_gateway():
    url = _oa().sandbox_gateway_url()
    if url is None:
        raise gr.Error("The sandbox is not running.")
    return url, gr.update(value="tts-1"), gr.update(value="mp3")


def top(ctx: SimpleNamespace) -> None:
    with gr.Row():
        ctx.check_btn = gr.Button("Check: list the gateway's models", size="sm", elem_id="oa-check-btn")
        ctx.gateway_btn = gr.Button(
            "Use the sandbox gateway (seed 003, no /models)", size="sm", elem_id="oa-gateway-btn"
        )
    ctx.check_info = gr.Markdown(elem_id="oa-check-info")
    with gr.Accordion("Models the gateway lists", open=False):
        ctx.models_json = gr.JSON(label="Model ids", elem_id="oa-models")


def wire(ctx: SimpleNamespace) -> None:
    base_url, speak = ctx.account["base_url"], ctx.forms["speak"]
    ctx.check_btn.click(
        openai_models, [base_url, ctx.api_key], [ctx.check_info, ctx.models_json], api_name="openai_models"
    ).success(
        _on_models_listed(ctx),
        [ctx.models_json, speak.fields["model"]],
        [speak.fields["model"]],
        api_visibility="private",
        queue=False,
    )
    ctx.gateway_btn.click(
        _on_use_gateway,
        None,
        [base_url, speak.fields["model"], speak.fields["response_format"]],
        api_visibility="private",
        queue=False,
    )
    # the typed base URL follows the visitor to other pages of this browser tab (the voice library)
    held = "vcp-url-openai_compat"
    private: EventOptions = {"api_visibility": "private", "queue": False}
    base_url.change(None, [base_url], None, js=keys.keep_value_js(held), **private)
    root = Context.root_block
    if root is not None:
        root.load(None, [base_url], [base_url], js=f"(v) => {keys.stored_value_js(held)} || v", **private)


HOOKS = SimpleNamespace(top=top, wire=wire, speak_summary=speak_summary)
