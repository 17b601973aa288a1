"""Build a provider's tab from what it declares: a new provider costs one adapter, no UI code.

What a new provider declares
----------------------------
1. The adapter (playground/providers/<id>.py, registered in providers.PROVIDERS):
   - `ID`, the `SUPPORTS_*` flags (an operation the adapter does not support gets no form);
   - `REQUESTS = {"speak": MySpeech, ...}`: the request dataclass per operation. It is built from
     the form values by field name (`providers.base.from_fields`: an empty value keeps the
     dataclass default), or by the class's own `from_fields(values)` classmethod;
   - `ACCOUNT_FIELDS = ("base_url",)` when account fields (below) must reach `speak(...,
     base_url=...)` and `target(api_key, base_url=...)`; `live_options(request)` when the live
     player cannot read `stream` / `response_format` (or `format`) / `sample_rate` off the request;
   - any method a field names in `visible_when.call` / `choices_when.call`.
2. presets/<id>.json, a `ui` section (data, read by this module and ui/form_fields.py):

       "ui": {
         "prefix": "el",                        # elem_ids: el-speak-text, el-speak-btn, el-speak-audio …
         "account": [ FIELD, … ],               # optional, next to the key box, sent with every operation
         "operations": {
           "speak": {"api_name": "elevenlabs_speak", "title": "Speak",
                     "description": "Text to speech …",      # the API docs' text
                     "fields": [ FIELD, … ]}
         }
       }

   FIELD = {"name": <the request field and API parameter>, "type": text|number|int|slider|choice|bool|audio,
            "label": "…", "help": "…", "default": …, "required": true (only `text`, usually),
            "range": [lo, hi], "step": 0.05, "choices": [value | [label, value]], "widget": "radio",
            "custom": true (a dropdown that takes typed values too), "labelled": true (dict choices by "label"),
            "value_type": "int", "lines": 4, "placeholder": "…", "column": "side" (the right column),
            "elem": "format" (the elem_id's last part; default: the name with dashes),
            "counter": [lo, hi] (a character counter under a text field), "examples": {"en": [...], "zh": [...]},
            "visible_when": {"field": f, "equals": v | "in": [...] | "call": "adapter_method"},
            "choices_when": {"field": f, "call": "adapter_method"}   # -> allowed values
           }
   Any key may be given as `<key>_from`: a dotted path into the presets ("default_from": "default_model",
   "range_from": "limits.speed", "choices_from": "models", "default_from": "examples.en.0").
   Every label, help text and choice label must be in presets/i18n.json (with its Chinese).
3. One line in playground/ui/tabs.py: `Tab("elevenlabs", "ElevenLabs")`.

What the builder gives every tab: the sandbox/live badge, the key panel, the forms, a Speak button
with Cancel, the live player, the result audio, a download file and a summary, "View code", the
voice library's hook (`register(<id>.speak)`), the per-provider concurrency group (fair_queue,
by the api_name's `<id>_` prefix) and the English/Chinese UI. A tab with a need no declaration
covers (a button of its own, a summary of its own) adds `TabHooks` in ui/tabs.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import gradio as gr

from playground import presets, providers
from playground.ui import tab_handlers
from playground.ui.code_view import build_code_view
from playground.ui.common import build_badge, build_key_box, register
from playground.ui.fair_queue import build_cancel_button, wire_cancel
from playground.ui.form_fields import allowed, build_field, default_of, is_visible
from playground.ui.live_player import build_live_player

PRIVATE = dict(api_visibility="private", queue=False)


@dataclass
class Form:
    """The components of one operation's form."""

    fields: dict[str, Any] = field(default_factory=dict)
    decl: dict[str, dict] = field(default_factory=dict)
    outputs: list = field(default_factory=list)
    button: Any = None
    cancel: Any = None
    extra: dict[str, Any] = field(default_factory=dict)  # counter, examples


def _elem(prefix: str, op: str, f: dict) -> str:
    return f.get("elem_id") or f"{prefix}-{op}-{f.get('elem') or f['name'].replace('_', '-')}"


def _build_one(ctx: SimpleNamespace, form: Form, op: str, f: dict) -> None:
    value = default_of(f)
    rule = f.get("visible_when")
    visible = True
    if rule:
        source = form.decl.get(rule["field"])
        visible = is_visible(rule, default_of(source) if source else None, ctx.adapter)
    if f.get("choices_when"):
        source = form.decl.get(f["choices_when"]["field"])
        values = getattr(ctx.adapter, f["choices_when"]["call"])(default_of(source) if source else None)
        f = {**f, "choices": [list(c) for c in allowed(f, values)]}
    component = build_field(f, _elem(ctx.prefix, op, f), visible=visible)
    form.fields[f["name"]], form.decl[f["name"]] = component, f
    if f.get("counter"):
        text = value or ""
        form.extra["counter"] = (gr.Markdown(f"{len(text)} / {f['counter'][1]:,} characters",
                                             elem_id=f"{ctx.prefix}-{op}-counter"), component, f["counter"][1])
    if f.get("examples"):
        ex = f["examples"]
        form.extra["examples"] = (gr.Dropdown(list(ex.get("en", [])) + list(ex.get("zh", [])), value=None,
                                              label="Examples", elem_id=f"{ctx.prefix}-{op}-examples"), component)


def _build_speak(ctx: SimpleNamespace, op: str) -> Form:
    form = Form()
    decls = tab_handlers.fields(ctx.pid, op)
    with gr.Row():
        with gr.Column(scale=3):
            for f in decls:
                if f.get("column") != "side":
                    _build_one(ctx, form, op, f)
        with gr.Column(scale=2):
            for f in decls:
                if f.get("column") == "side":
                    _build_one(ctx, form, op, f)
            p = f"{ctx.prefix}-{op}"
            form.button = gr.Button("Speak", variant="primary", elem_id=f"{p}-btn")
            form.cancel = build_cancel_button(f"{p}-cancel")
            live = build_live_player(f"{p}-live")
            form.outputs = [gr.Audio(label="Result", interactive=False, elem_id=f"{p}-audio"),
                            gr.File(label="Download", interactive=False, elem_id=f"{p}-file"),
                            gr.Markdown(elem_id=f"{p}-info"), live]
    return form


BUILDERS = {"speak": _build_speak}
SUPPORTED = {"speak": "SUPPORTS_SPEAK"}


def _wire_dynamic(ctx: SimpleNamespace, form: Form) -> None:
    """visible_when / choices_when, the character counter and the examples picker (private events)."""
    for name, f in form.decl.items():
        rule = f.get("visible_when")
        if rule:
            form.fields[rule["field"]].change(
                lambda v, rule=rule: gr.update(visible=is_visible(rule, v, ctx.adapter)),
                [form.fields[rule["field"]]], [form.fields[name]], **PRIVATE)
        when = f.get("choices_when")
        if when:
            def on_source(v, current, f=f, when=when):
                choices = allowed(f, getattr(ctx.adapter, when["call"])(v))
                values = [c[1] for c in choices]
                return gr.update(choices=choices, value=current if current in values else (values[0] if values else None))

            form.fields[when["field"]].change(on_source, [form.fields[when["field"]], form.fields[name]],
                                              [form.fields[name]], **PRIVATE)
    if "counter" in form.extra:
        counter, text, limit = form.extra["counter"]
        text.change(None, [text], [counter], js=f"(t) => {{ const n = [...(t || '')].length; return "
                    f"`${{n.toLocaleString('en-US')}} / {limit:,} characters` + (n > {limit} ? ' (too long)' : ''); }}",
                    **PRIVATE)
    if "examples" in form.extra:
        picker, text = form.extra["examples"]
        picker.change(lambda e, t: e or t, [picker, text], [text], **PRIVATE)


def build_provider_tab(pid: str, hooks: Any = None) -> SimpleNamespace:
    """Build the tab of provider `pid` inside the current gr.Tab; returns its context (components by
    name: ctx.api_key, ctx.account[name], ctx.forms[op].fields[name], ...)."""
    adapter = providers.get(pid)
    ui = tab_handlers.ui_spec(pid)
    ctx = SimpleNamespace(pid=pid, adapter=adapter, spec=presets.load(pid), prefix=ui["prefix"], account={},
                          forms={}, hooks=hooks)
    build_badge(pid)
    account = tab_handlers.account_fields(pid)
    if account:
        with gr.Row():
            ctx.api_key = build_key_box(pid)
            for f in account:
                ctx.account[f["name"]] = build_field(f, f.get("elem_id") or f"{ctx.prefix}-{f['name'].replace('_', '-')}")
    else:
        ctx.api_key = build_key_box(pid)
    if hasattr(hooks, "top"):
        hooks.top(ctx)
    ops = [op for op in ui["operations"] if getattr(adapter, SUPPORTED[op], False)]
    if len(ops) == 1:
        ctx.forms[ops[0]] = BUILDERS[ops[0]](ctx, ops[0])
    else:
        with gr.Tabs():
            for op in ops:
                with gr.Tab(ui["operations"][op].get("title", op.title()), id=f"{ctx.prefix}-{op}-tab"):
                    ctx.forms[op] = BUILDERS[op](ctx, op)
    if "speak" in ctx.forms:
        register(f"{pid}.speak", {**ctx.forms["speak"].fields, **ctx.account})  # for the voice library
    build_code_view(pid)  # "View code": this session's last requests as curl and httpx
    _wire(ctx)
    if hasattr(hooks, "wire"):
        hooks.wire(ctx)
    for form in ctx.forms.values():
        _wire_dynamic(ctx, form)
    return ctx


def _wire(ctx: SimpleNamespace) -> None:
    """The public endpoints: one per operation, named by its api_name."""
    account = list(ctx.account.values())
    speak = ctx.forms.get("speak")
    if speak is not None:
        fn = tab_handlers.speak_handler(ctx.pid)
        event = speak.button.click(fn, [*speak.fields.values(), *account, ctx.api_key], speak.outputs,
                                   api_name=tab_handlers.operation(ctx.pid, "speak")["api_name"])
        wire_cancel(speak.cancel, event)
        ctx.speak_event = event
