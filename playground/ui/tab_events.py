"""The events of a built tab (ui/tab_builder.py): the public endpoints, one per operation, named by
their declared api_name, then the private ones (visible_when, choices_when, counter, examples,
the delete picker). Inputs are the operation's fields, the account fields (then any field declared
"after_account"), the key, and the session state when the operation keeps one (tab_handlers.signature).
"""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr

from playground import messages
from playground.ui import tab_handlers, tabs
from playground.ui.common import last_error
from playground.ui.fair_queue import wire_cancel
from playground.ui.form_fields import allowed, is_visible, rule_fields

PRIVATE = dict(api_visibility="private", queue=False)


def _inputs(ctx: SimpleNamespace, op: str) -> list:
    """An endpoint's inputs in its parameter order (tab_handlers.signature): the fields, the account
    fields, the fields declared after them, the key, then the session state when the operation keeps it."""
    form = ctx.forms[op]
    names = [f["name"] for f in tab_handlers.parameters(ctx.pid, op)]
    inputs = [form.fields[n] if n in form.fields else ctx.account[n] for n in names]
    return [*inputs, ctx.api_key, *_state(ctx, op)]


def _state(ctx: SimpleNamespace, op: str) -> list:
    return [ctx.state] if tab_handlers.state_name(ctx.pid, op) else []


def _route(ctx: SimpleNamespace, op: str, event, target) -> None:
    """A new id to the next form: "result_to": "clone.file_id", or {"field": "purpose", "routes":
    {"voice_clone": "clone.file_id", "prompt_audio": "clone.prompt_file_id"}} to pick the box by a field."""
    form = ctx.forms[op]
    routes = target["routes"] if isinstance(target, dict) else {None: target}
    boxes = [ctx.forms[t.split(".")[0]].fields[t.split(".")[1]] for t in routes.values()]
    if not isinstance(target, dict):
        event.success(lambda value: value, [form.outputs[0]], boxes, **PRIVATE)
        return

    def route(value, choice):
        return [gr.update(value=value) if key == choice else gr.update() for key in routes]

    event.success(route, [form.outputs[0], form.fields[target["field"]]], boxes, **PRIVATE)


def new_voice_source(ctx: SimpleNamespace, op: str):
    """The component that holds the id of the voice an upload or clone just made: its id output, or
    (a clone declared "returns_id": false, e.g. MiniMax's) the form's own voice_id box."""
    form, decl = ctx.forms[op], tab_handlers.operation(ctx.pid, op)
    if op == "clone" and not decl.get("returns_id", True):
        return form.fields.get("voice_id")
    return form.outputs[0]


def choose_new_voice(voice_id):
    """(the speak form's voice, the note under it) for a voice just made; nothing when there is none."""
    voice_id = str(voice_id or "").strip()
    if not voice_id:
        return gr.update(), gr.update()
    note = messages.translate(f"🎯 Your new voice `{voice_id}` is selected for speaking.")
    return gr.update(value=voice_id), note


def wire_new_voice(ctx: SimpleNamespace) -> None:
    """After an upload or clone that makes a voice ("records": "voice"), the Speak form speaks with it:
    set at once, and again once the voice list has been refreshed (its choices then hold the new voice)."""
    speak = ctx.forms.get("speak")
    chosen = speak.extra.get("chosen") if speak else None
    if chosen is None:
        return
    voice = speak.fields[tab_handlers.operation(ctx.pid, "speak").get("voice_field", "voice")]
    for op in ("upload", "clone"):
        if op not in ctx.events or tab_handlers.operation(ctx.pid, op).get("records", "voice") != "voice":
            continue
        source = new_voice_source(ctx, op)
        if source is None:
            continue
        ctx.events[op].success(choose_new_voice, [source], [voice, chosen], **PRIVATE)
        if op in ctx.refreshed:
            ctx.refreshed[op].success(choose_new_voice, [source], [voice, chosen], **PRIVATE)


def wire_endpoints(ctx: SimpleNamespace) -> None:
    pid, hooks, key = ctx.pid, ctx.hooks, ctx.api_key
    ctx.refreshed = {}
    account = list(ctx.account.values())
    voices = ctx.forms.get("voices")
    list_event = None
    if voices is not None:
        decl = tab_handlers.operation(pid, "voices")
        fn = tab_handlers.make_voices_handler(pid, hooks)
        inputs = _inputs(ctx, "voices")
        voices.button.click(fn, inputs, voices.outputs, api_name=decl["api_name"])
        list_event = dict(
            fn=fn,
            inputs=inputs,
            outputs=voices.outputs,
            api_visibility="private",
            api_name=f"{decl['api_name']}_refresh",
        )
        ctx.load_event = list_event  # on page load, and when the key box loses focus
        for f in tab_handlers.fields(pid, "voices"):
            if f.get("refresh_on_change"):  # a filter that lists again when it changes
                voices.fields[f["name"]].change(**list_event)
    for op in ("upload", "clone", "speak"):
        form = ctx.forms.get(op)
        if form is None:
            continue
        decl = tab_handlers.operation(pid, op)
        if op == "speak":
            fn = tabs.speak_handler(pid)
        else:
            fn = tab_handlers.make_create_handler(pid, op, getattr(hooks, f"{op}_summary", None), hooks)
        outputs = [*form.outputs, *_state(ctx, op)]
        event = form.button.click(fn, _inputs(ctx, op), outputs, api_name=decl["api_name"])
        # an error stays in the result area with its message (the toast goes)
        info = form.outputs[2] if op == "speak" else form.outputs[-1]
        event.failure(last_error(decl["api_name"]), None, [info], **PRIVATE)
        if form.cancel is not None:
            wire_cancel(form.cancel, event)
        ctx.events[op] = event
        # the list again after a new voice; after speech too with "refresh": true (MiniMax lists a
        # clone after its first use)
        if list_event and decl.get("refresh", op != "speak" and decl.get("records", "voice") == "voice"):
            ctx.refreshed[op] = event.success(**list_event)
    if voices is not None and "delete" in voices.extra:
        pick, button, info = voices.extra["delete"]
        state = _state(ctx, "delete")
        event = button.click(
            tab_handlers.make_delete_handler(pid, hooks),
            [pick, *voices.extra["delete_options"], *account, key, *state],
            [info, *state],
            api_name=tab_handlers.operation(pid, "voices")["delete"]["api_name"],
        )
        ctx.events["delete"] = event
        if list_event:
            event.success(**list_event)
    if list_event:
        key.blur(**list_event)
    for op, event in list(ctx.events.items()):
        target = tab_handlers.operation(pid, op).get("result_to") if op != "delete" else None
        if target:
            _route(ctx, op, event, target)
    wire_new_voice(ctx)


def _visibility(ctx: SimpleNamespace, form, rule: dict, target) -> None:
    names = [n for n in rule_fields(rule) if n in form.fields]

    def on_change(*values):
        return gr.update(visible=is_visible(rule, dict(zip(names, values, strict=True)), ctx.adapter))

    for name in names:
        form.fields[name].change(on_change, [form.fields[n] for n in names], [target], **PRIVATE)


def _choices(ctx: SimpleNamespace, form, name: str, f: dict) -> None:
    when = f["choices_when"]

    def on_source(value, current):
        choices = allowed(f, getattr(ctx.adapter, when["call"])(value))
        values = [c[1] for c in choices]
        if current in values:
            return gr.update(choices=choices, value=current)
        fallback = getattr(ctx.adapter, when["default_call"])(value) if when.get("default_call") else None
        return gr.update(choices=choices, value=fallback if fallback in values else (values[0] if values else None))

    form.fields[when["field"]].change(
        on_source, [form.fields[when["field"]], form.fields[name]], [form.fields[name]], **PRIVATE
    )


def _counter_js(limit: int, label: str) -> str:
    shown = f"{limit:,}"
    return (
        f"(t) => {{ const n = [...(t || '').trim()].length; return n > {limit} ? "
        f"`⚠️ **${{n}} / {shown} characters**: over {label}'s limit of {shown}. Speak refuses to send it; "
        f"shorten the text or split it into parts.` : `${{n}} / {shown} characters`; }}"
    )


def wire_dynamic(ctx: SimpleNamespace, form) -> None:
    for name, f in form.decl.items():
        if f.get("visible_when") and name in form.fields:
            _visibility(ctx, form, f["visible_when"], form.fields[name])
        if f.get("choices_when"):
            _choices(ctx, form, name, f)
    for box, rule in form.groups.values():
        if rule:
            _visibility(ctx, form, rule, box)
    if "counter" in form.extra:
        counter, text, limit = form.extra["counter"]
        text.change(None, [text], [counter], js=_counter_js(limit, ctx.adapter.label), **PRIVATE)
    if "examples" in form.extra:
        picker, text = form.extra["examples"]
        picker.change(lambda e, t: e or t, [picker, text], [text], **PRIVATE)
    if "delete" in form.extra:
        pick, column = form.extra["delete"][0], tab_handlers.operation(ctx.pid, "voices")["delete"]
        only = column.get("only_when")  # {"column": 2, "equals": "PRIVATE"} (or "in": [...]): rows that can be deleted
        last = column.get("pick") == "last"  # the newest voice (the list ends with it) rather than the first

        def deletable(row) -> bool:
            if not only:
                return True
            value = row[only["column"]] if len(row) > only["column"] else None
            return value in only["in"] if "in" in only else value == only["equals"]

        def on_rows(rows):
            ids = [
                r[column["id_column"]]
                for r in (rows or [])
                if len(r) > column["id_column"] and r[column["id_column"]] and deletable(r)
            ]
            return gr.update(choices=ids, value=(ids[-1] if last else ids[0]) if ids else None)

        form.outputs[0].change(on_rows, [form.outputs[0]], [pick], **PRIVATE)
