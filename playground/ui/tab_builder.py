"""Build a provider's tab from what it declares: a new provider costs one adapter, no UI code.

What a new provider declares
----------------------------
1. The adapter (playground/providers/<id>.py, registered in providers.PROVIDERS):
   - `ID`, the `SUPPORTS_*` flags: a form is built only for an operation the adapter supports
     (upload: SUPPORTS_UPLOAD, clone: SUPPORTS_CLONE, speak: SUPPORTS_SPEAK, voices: SUPPORTS_LIST,
     its Delete row: SUPPORTS_DELETE);
   - `REQUESTS = {"upload": MyUpload, "clone": MyClone, "speak": MySpeech}`: the request dataclass
     per operation, built from the form's values by field name (`providers.base.from_fields`: an
     empty value keeps the dataclass default), or by the class's own `from_fields(values)` classmethod
     when fields combine (SiliconFlowSpeech: a voice or a reference clip);
   - optional: `ACCOUNT_FIELDS = ("base_url",)` (account fields its speak()/upload_voice()/
     clone_voice() and target() take as keywords; the others reach it inside the request and as
     list/delete keywords); `live_options(request)` when the live player cannot read `stream` /
     `response_format` (or `format`) / `sample_rate` off the request; any method a field names in
     `visible_when.call` / `choices_when.call` / `default_call` / `choices_call`.
   The generic handlers call `check_speak`, `speak`, `upload_voice`, `clone_voice`, `list_voices(**filters)`,
   `delete_voice(id)` and `target(api_key)`, as every adapter has them (providers/base.py).
2. presets/<id>.json, a `ui` section (data, read by this module, ui/form_fields.py, ui/tab_handlers.py):

       "ui": {
         "prefix": "el",                   # elem_ids: el-speak-text, el-speak-btn, el-speak-audio …
         "account": [FIELD, …],            # optional: next to the key box, a parameter of every endpoint
         "state": {"name": "clones", "default": []},   # optional: a gr.State kept per session; an operation
                                           # with "state": true takes it as a hidden last parameter and
                                           # returns it last (hooks <op>_state / voices_rows / delete_state)
         "operations": {                   # in tab order; one inner tab each when there are several
           "upload": {"api_name": "elevenlabs_upload", "title": "Upload voice", "button": "Upload voice",
                      "result_label": "Voice id", "result_elem": "voice-id", "result_api": "voice_id",
                      "records": "voice" | "file",           # what the voice library keeps
                      "result_to": "clone.file_id",          # optional: the new id fills the next form, or
                                     # {"field": "purpose", "routes": {"voice_clone": "clone.file_id", …}}
                      "refresh": false,                      # optional: no voice-list refresh after it
                      "fields": [FIELD, …]},
           "clone":  {… as upload, plus "source_field": "file_id"},   # returns (id, preview audio, summary)
                     # "returns_id": false: (preview, summary); "preview_label", "preview_elem";
                     # "transcript_field": the value the library keeps as transcript ("text"; null: none)
           "speak":  {"api_name": "elevenlabs_speak", "title": "Speak", "description": "…", "fields": [FIELD, …],
                      "groups": {"ref": {"visible_when": RULE}},      # optional: fields with "group": "ref"
                                 # (or {"more": {"accordion": "<label>"}}: those fields in a closed accordion)
                      "voice_field": "voice_id",   # the field the library's "use it" fills (default "voice")
                      "refresh": true},            # the voice list again after speech (default false)
           "voices": {"api_name": "elevenlabs_voices", "title": "My voices", "headers": ["name", "voice id"],
                      "columns": ["name", "id"],                      # Voice attributes, or "extra.<key>"
                      "delete": {"api_name": "elevenlabs_delete_voice", "name": "voice_id",
                                 "label": "Voice to delete", "id_column": 1,
                                 "only_when": {"column": 2, "equals": v} | {"column": 2, "in": [...]},
                                 "pick": "last", "fields": [FIELD, …]},   # fields: parameters after the id
                      "fields": [FIELD, …]}                          # list filters (optional)
         }
       }

   FIELD = {"name": <API parameter and request field>, "type": text|number|int|slider|choice|bool|audio|consent|note,
            "label", "help", "default", "required": true (no default in the API), "to": <request field name>,
            "range": [lo, hi], "step", "choices": [value | [label, value]], "widget": "radio",
            "custom": true (a dropdown that takes typed values: voice ids, model names),
            "labelled": true (dict choices labelled by their "label"), "choices_filter": <flag of dict entries>,
            "value_type": "int", "empty_values": ["ALL"] (sent as None), "lines", "max_lines", "placeholder",
            "column": "side" (the right-hand column) | "top" (full width, above both columns),
            "elem": <last part of the elem_id> (or "elem_id"), "after_account": true (a parameter after
            the account fields, an order an earlier API had), "empty_choice": "(none)" (a first choice
            sent as ""), "refresh_on_change": true (a voices filter that lists again when it changes),
            "default_call" / "choices_call": <adapter method, no arguments -> the default / the choices>,
            "counter": [lo, hi] (a character counter), "examples": {"en": [...], "zh": [...]} (a picker),
            "card": {"operation": <samples key>, "transcript": <field>, "transcribe": true} (the sample clinic),
            "visible_when": RULE, "choices_when": {"field": f, "call": <adapter method -> values>,
                                                    "default_call": <adapter method -> value>},
            "text": <a note's Markdown>, "api": <the API's own name, shown under the plain-words label:
            a dotted path ("voice_setting.speed"), or false for a field of the form only; default: name>}
   RULE = {"field": f, "equals": v} | {"field": f, "in": [...]} | {"field": f, "call": <adapter method>}
          | {"all": [RULE, …]}
   Any key may be given as `<key>_from`, a dotted path into the presets: "default_from": "default_model",
   "range_from": "limits.speed", "choices_from": "models", "default_from": "examples.en.0".
   An endpoint's parameters are its fields in declaration order, then the account fields, then `api_key`;
   each has its declared default. Every label, help text, title, header and choice label must be in
   presets/i18n.json with its Chinese (tests/unit/test_tab_builder.py checks).
3. One line in playground/ui/tabs.py: `Tab("elevenlabs", "ElevenLabs")`.

What every built tab gets: the sandbox/live badge, the key panel, the forms, buttons with Cancel,
the new voice of an upload or clone selected in Speak (with a note saying so),
the live player, the result audio, a download file and a summary, "View code", the voice library's
hooks (`register("<id>.speak")`, takes and voices recorded, re-run from History), the per-provider
concurrency group (ui/fair_queue.py, by the api_name's `<id>_` prefix), the English/Chinese UI and
a clean API description (ui/api_schema.py). What a declaration cannot say (a button of its own, a
summary of its own, choices that depend on the voice list) goes in hooks passed with the Tab
(`Tab("zhipu", …, hooks=zhipu_tab.HOOKS)`): `top(ctx)`, `after_field(ctx, op, name, component)`,
`wire(ctx)`, `speak_summary(result, update)`, `upload_summary(result, raw)`, `clone_summary(result, raw)`,
`delete_summary(voice_id, answer)`, `voices_rows(rows, voices, raw, state)` (computed columns, rows the
provider does not list yet), and with a session state `<op>_state(result, raw, state)` and
`delete_state(voice_id, state)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import gradio as gr

from playground import presets, providers
from playground.ui import tab_handlers
from playground.ui.clinic_ui import build_sample_card, connect_transcript
from playground.ui.code_view import build_code_view
from playground.ui.common import build_badge, build_key_box, register, step_tabs
from playground.ui.fair_queue import build_cancel_button
from playground.ui.form_fields import allowed, build_field, default_of, is_visible
from playground.ui.live_player import build_live_player
from playground.ui.tab_events import wire_dynamic, wire_endpoints

PRIVATE = dict(api_visibility="private", queue=False)
# operation -> (the adapter flag that enables it, its button's label)
KINDS = {
    "upload": ("SUPPORTS_UPLOAD", "Upload voice"),
    "clone": ("SUPPORTS_CLONE", "Clone voice"),
    "speak": ("SUPPORTS_SPEAK", "Speak"),
    "voices": ("SUPPORTS_LIST", "Refresh"),
}


@dataclass
class Form:
    """The components of one operation's form (its endpoint's inputs, in parameter order, are
    ui/tab_events.py's `_inputs`: tab_handlers.parameters)."""

    fields: dict[str, Any] = field(default_factory=dict)  # inputs by name (notes excluded), build order
    decl: dict[str, dict] = field(default_factory=dict)
    groups: dict[str, Any] = field(default_factory=dict)
    cards: dict[str, Any] = field(default_factory=dict)  # sample cards by audio field
    outputs: list = field(default_factory=list)
    button: Any = None
    cancel: Any = None
    extra: dict[str, Any] = field(default_factory=dict)  # counter, examples, table, delete row
    initial: dict[str, Any] = field(default_factory=dict)  # every field's default, built or not yet


def _elem(prefix: str, op: str, f: dict) -> str:
    return f.get("elem_id") or f"{prefix}-{op}-{f.get('elem') or f['name'].replace('_', '-')}"


def _defaults(form: Form) -> dict:
    """The values a visible_when reads while the form is built: every declared default (a field may
    depend on one declared after it, e.g. MiniMax's bitrate on the format)."""
    return {**form.initial, **{name: default_of(f) for name, f in form.decl.items()}}


def _card(ctx: SimpleNamespace, form: Form, audio_name: str, op: str) -> None:
    """The sample card (ui/clinic_ui.py) under an audio field that declares "card"."""
    f = form.decl[audio_name]
    card = f["card"]
    operation = card.get("operation", op)
    if isinstance(operation, dict):
        operation = form.fields[operation["field"]]
    transcript = form.fields.get(card.get("transcript", ""))
    form.cards[audio_name] = build_sample_card(
        form.fields[audio_name],
        ctx.pid,
        operation,
        prefix=card.get("prefix", f"{ctx.prefix}-{op}"),
        transcript=transcript,
        key_box=ctx.api_key,
        transcribe=card.get("transcribe"),
        transcript_operations=card.get("transcript_operations"),
    )


def _build_one(ctx: SimpleNamespace, form: Form, op: str, f: dict) -> None:
    values = _defaults(form)
    visible = is_visible(f.get("visible_when"), values, ctx.adapter)
    if f.get("choices_when"):
        when = f["choices_when"]
        source = getattr(ctx.adapter, when["call"])(values.get(when["field"]))
        f = {**f, "choices": [list(c) for c in allowed(f, source)]}
    component = build_field(f, _elem(ctx.prefix, op, f), visible=visible)
    form.decl[f["name"]] = f
    if f["type"] != "note":
        form.fields[f["name"]] = component
    if f.get("counter"):
        text = default_of(f) or ""
        form.extra["counter"] = (
            gr.Markdown(f"{len(text)} / {f['counter'][1]:,} characters", elem_id=f"{ctx.prefix}-{op}-counter"),
            component,
            f["counter"][1],
        )
    if f.get("examples"):
        ex = f["examples"]
        form.extra["examples"] = (
            gr.Dropdown(
                list(ex.get("en", [])) + list(ex.get("zh", [])),
                value=None,
                label="Examples",
                elem_id=f"{ctx.prefix}-{op}-examples",
            ),
            component,
        )
    if op == "speak" and f["name"] == tab_handlers.operation(ctx.pid, "speak").get("voice_field", "voice"):
        # "your new voice is selected here" after an upload or clone (ui/tab_events.py wire_new_voice)
        form.extra["chosen"] = gr.Markdown(elem_id=f"{ctx.prefix}-speak-chosen", elem_classes=["vcp-chosen"])
    if hasattr(ctx.hooks, "after_field"):
        ctx.hooks.after_field(ctx, op, f["name"], component)
    for name, other in form.decl.items():  # a card waits for its transcript box and its operation's field
        if "card" in other and name not in form.cards and _card_ready(form, other["card"]):
            _card(ctx, form, name, op)


def _card_ready(form: Form, card: dict) -> bool:
    operation = card.get("operation")
    needs = [card.get("transcript"), operation.get("field") if isinstance(operation, dict) else None]
    return all(n is None or n in form.fields for n in needs)


def _build_column(ctx: SimpleNamespace, form: Form, op: str, decls: list[dict], groups: dict) -> None:
    i = 0
    while i < len(decls):
        group = decls[i].get("group")
        if not group:
            _build_one(ctx, form, op, decls[i])
            i += 1
            continue
        spec = groups.get(group, {})
        rule = spec.get("visible_when")
        visible = is_visible(rule, _defaults(form), ctx.adapter)
        box: gr.Accordion | gr.Group
        if spec.get("accordion"):  # optional fields, closed until wanted (and fetched only then)
            box = gr.Accordion(spec["accordion"], open=False, visible=visible, elem_id=f"{ctx.prefix}-{op}-{group}")
        else:
            box = gr.Group(visible=visible)
        with box:
            while i < len(decls) and decls[i].get("group") == group:
                _build_one(ctx, form, op, decls[i])
                i += 1
        form.groups[group] = (box, rule)


def _build_outputs(ctx: SimpleNamespace, form: Form, op: str, decl: dict) -> None:
    p = f"{ctx.prefix}-{op}"
    form.button = gr.Button(decl.get("button", KINDS[op][1]), variant="primary", elem_id=f"{p}-btn")
    if decl.get("cancel", op in ("speak", "clone")):
        form.cancel = build_cancel_button(f"{p}-cancel")
    if op == "speak":
        live = build_live_player(f"{p}-live")
        form.outputs = [
            gr.Audio(label="Result", interactive=False, elem_id=f"{p}-audio"),
            gr.File(label="Download", interactive=False, elem_id=f"{p}-file"),
            gr.Markdown(elem_id=f"{p}-info"),
            live,
        ]
        return
    form.outputs = []
    if op != "clone" or decl.get("returns_id", True):
        form.outputs.append(
            gr.Textbox(
                label=decl.get("result_label", "Voice id"),
                info=f"API: {decl['result_api']}" if decl.get("result_api") else None,
                interactive=False,
                buttons=["copy"],
                elem_id=f"{p}-{decl.get('result_elem', 'id')}",
            )
        )
    if op == "clone":
        form.outputs.append(
            gr.Audio(
                label=decl.get("preview_label", "Preview"),
                interactive=False,
                autoplay=True,
                elem_id=f"{p}-{decl.get('preview_elem', 'preview')}",
            )
        )
    form.outputs.append(gr.Markdown(elem_id=f"{p}-info"))


def _build_form(ctx: SimpleNamespace, op: str) -> Form:
    """speak / upload / clone: the main fields left, the side fields, the button and the results right."""
    form, decl = Form(), tab_handlers.operation(ctx.pid, op)
    decls = tab_handlers.fields(ctx.pid, op, inputs_only=False)
    form.initial = {f["name"]: default_of(f) for f in decls}
    groups = decl.get("groups", {})
    left, right = decl.get("scales", [3, 2] if op == "speak" else [1, 1])
    _build_column(ctx, form, op, [f for f in decls if f.get("column") == "top"], groups)  # full width, above
    with gr.Row():
        with gr.Column(scale=left):
            _build_column(ctx, form, op, [f for f in decls if f.get("column") not in ("side", "top")], groups)
        with gr.Column(scale=right):
            _build_column(ctx, form, op, [f for f in decls if f.get("column") == "side"], groups)
            _build_outputs(ctx, form, op, decl)
    return form


def _build_voices(ctx: SimpleNamespace, op: str) -> Form:
    """The voice list (filters, Refresh, a table) and Delete."""
    form, decl = Form(), tab_handlers.operation(ctx.pid, op)
    filters = tab_handlers.fields(ctx.pid, op, inputs_only=False)
    if filters:
        with gr.Row():
            _build_column(ctx, form, op, filters, {})
            form.button = gr.Button("Refresh", elem_id=f"{ctx.prefix}-voices-refresh", scale=1)
    else:
        form.button = gr.Button("Refresh", elem_id=f"{ctx.prefix}-voices-refresh")
    form.outputs = [
        gr.Dataframe(
            headers=decl["headers"], interactive=False, wrap=True, type="array", elem_id=f"{ctx.prefix}-voices-table"
        )
    ]
    delete = decl.get("delete")
    if delete and getattr(ctx.adapter, "SUPPORTS_DELETE", False):
        with gr.Row():
            pick = gr.Dropdown(
                [],
                label=delete["label"],
                allow_custom_value=True,
                scale=3,
                elem_id=f"{ctx.prefix}-delete-{delete.get('elem', 'voice')}",
            )
            options = [  # the delete row's own parameters (e.g. a voice type)
                build_field(
                    f, f.get("elem_id") or f"{ctx.prefix}-delete-{f.get('elem') or f['name'].replace('_', '-')}"
                )
                for f in tab_handlers.delete_fields(ctx.pid)
            ]
            button = gr.Button("Delete", variant="stop", elem_id=f"{ctx.prefix}-delete-btn", scale=1)
        form.extra["delete"] = (pick, button, gr.Markdown(elem_id=f"{ctx.prefix}-delete-info"))
        form.extra["delete_options"] = options
    return form


def build_provider_tab(pid: str, hooks: Any = None) -> SimpleNamespace:
    """Build the tab of provider `pid` inside the current gr.Tab; returns its context (components by
    name: ctx.api_key, ctx.account[name], ctx.forms[op].fields[name], ...)."""
    adapter = providers.get(pid)
    ui = tab_handlers.ui_spec(pid)
    ctx = SimpleNamespace(
        pid=pid,
        adapter=adapter,
        spec=presets.load(pid),
        prefix=ui["prefix"],
        account={},
        forms={},
        hooks=hooks,
        events={},
        load_event=None,
        state=None,
    )
    build_badge(pid)
    if ui.get("state"):  # per-session data the provider's API does not give back (see tab_handlers.state_name)
        ctx.state = gr.State(ui["state"].get("default"))
    account = tab_handlers.account_fields(pid)
    if account:
        with gr.Row():
            ctx.api_key = build_key_box(pid)
            for f in account:
                elem_id = f.get("elem_id") or f"{ctx.prefix}-{f['name'].replace('_', '-')}"
                ctx.account[f["name"]] = build_field(f, elem_id)
    else:
        ctx.api_key = build_key_box(pid)
    if hasattr(hooks, "top"):
        hooks.top(ctx)
    ops = [op for op in ui["operations"] if getattr(adapter, KINDS[op][0], False)]
    build = {op: (_build_voices if op == "voices" else _build_form) for op in ops}
    if len(ops) == 1:
        ctx.forms[ops[0]] = build[ops[0]](ctx, ops[0])
    else:
        with step_tabs():
            for op in ops:
                with gr.Tab(ui["operations"][op].get("title", op.title()), id=f"{ctx.prefix}-{op}-tab"):
                    ctx.forms[op] = build[op](ctx, op)
    for form in ctx.forms.values():  # a card whose transcript box is in another form: "connect": "clone.transcript"
        for name, card in form.cards.items():
            target = form.decl[name]["card"].get("connect")
            if target and target.split(".")[0] in ctx.forms:
                connect_transcript(card, ctx.forms[target.split(".")[0]].fields[target.split(".")[1]])
    if "speak" in ctx.forms:  # for the voice library, which fills "voice" ("voice_field" names another field)
        speak = ctx.forms["speak"].fields
        voice = speak.get(tab_handlers.operation(pid, "speak").get("voice_field", "voice"))
        register(f"{pid}.speak", {**speak, **ctx.account, **({"voice": voice} if voice is not None else {})})
    build_code_view(pid)  # "View code": this session's last requests as curl and httpx
    wire_endpoints(ctx)  # public endpoints first: a private reuse registered earlier would rename them
    if hasattr(hooks, "wire"):
        hooks.wire(ctx)
    for form in ctx.forms.values():
        wire_dynamic(ctx, form)
    return ctx
