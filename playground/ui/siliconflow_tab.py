"""What the SiliconFlow tab adds to the generic one (ui/tab_builder.py builds the rest from
presets/siliconflow.json `ui`): the emotion-instruction and tag helpers above the model (CosyVoice2),
voice choices per model (its system voices plus the voices uploaded for it), and the upload summary.
"""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr

from playground import providers
from playground.ui import i18n

PID = "siliconflow"
PRIVATE = dict(api_visibility="private", queue=False)


def _sf():
    return providers.get(PID)


def voice_choices(model: str, rows: list | None) -> list[tuple[str, str]]:
    sf = _sf()
    spec = sf.spec["models"].get(model, {})
    choices = []
    if spec.get("system_voices"):
        choices += [(f"{v.rsplit(':', 1)[1]} (system)", v) for v in sf.system_voices(model)]
    if spec.get("uploaded_voices"):
        choices += [(f"{r[0]} (uploaded)", r[2]) for r in (rows or []) if len(r) > 2 and r[1] == model]
    return choices


def _on_voice_options(model, rows, current):
    choices = voice_choices(model, rows)
    values = [c[1] for c in choices]
    helpers = gr.update(visible=_sf().takes_instructions(model))
    if current in values:  # keep the value the page holds (a "use it" from the library may have just set it)
        return gr.update(choices=choices), helpers
    return gr.update(choices=choices, value=values[0] if values else None), helpers


def upload_summary(result, raw: dict) -> str:
    notes = f" ({'; '.join(result.notes)})" if result.notes else ""
    return (
        f"**Uploaded** `{result.name}` for {result.model} as {raw.get('send_as')}{notes}"
        f" · {'sandbox' if result.sandbox else 'live'}. Use the uri in *Speak*."
    )


def after_field(ctx: SimpleNamespace, op: str, name: str, component) -> None:
    spec = ctx.spec
    if op == "speak" and name == "voice":
        component.choices = voice_choices(spec["default_model"], [])
    if op != "speak" or name != "text":
        return
    with gr.Row(visible=_sf().takes_instructions(spec["default_model"]), elem_id="sf-helpers") as ctx.helpers:
        ctx.instruction = gr.Dropdown(
            spec["emotion_instructions"]["en"] + spec["emotion_instructions"]["zh"],
            value=spec["emotion_instructions"]["en"][0],
            allow_custom_value=True,
            label="Emotion / style instruction",
            scale=3,
        )
        # a Chinese page starts on a Chinese instruction (the language the page's switch follows, ui/i18n.py)
        en, zh = spec["emotion_instructions"]["en"][0], spec["emotion_instructions"]["zh"][0]
        root = gr.context.Context.root_block
        if root is not None:
            root.load(
                None,
                None,
                [ctx.instruction],
                js=i18n.by_language_js({"en": en, i18n.ZH: zh}),
                api_visibility="private",
                queue=False,
            )
        ctx.add_instruction = gr.Button("Insert instruction", size="sm", scale=1)
        ctx.tag_buttons = [gr.Button(tag, size="sm", scale=1) for tag in spec["tags"]]


def wire(ctx: SimpleNamespace) -> None:
    speak, table = ctx.forms["speak"], ctx.forms["voices"].outputs[0]
    text, model, voice = speak.fields["text"], speak.fields["model"], speak.fields["voice"]
    for trigger in (model.change, table.change):
        trigger(_on_voice_options, [model, table, voice], [voice, ctx.helpers], **PRIVATE)
    ctx.add_instruction.click(
        None,
        [ctx.instruction, text],
        [text],
        js=(
            "(i, t) => (t.includes('<|endofprompt|>') ? t.split('<|endofprompt|>').slice(1).join('') : t)"
            ".replace(/^/, i.trim() + ' <|endofprompt|>')"
        ),
        **PRIVATE,
    )
    for button, tag in zip(ctx.tag_buttons, ctx.spec["tags"], strict=True):
        button.click(None, [text], [text], js=f"(t) => t + ' {tag} '", **PRIVATE)


HOOKS = SimpleNamespace(after_field=after_field, wire=wire, upload_summary=upload_summary)
