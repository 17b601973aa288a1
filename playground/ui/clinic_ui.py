"""The sample card: one call per upload form puts the reference clinic under its audio box.

It shows the waveform and the figures of the clip, a green/red check against the provider
operation's limits, one button per fix that applies (a preview first, then Apply; Undo goes
back), and fills the form's transcript box through a provider's speech recognition, again
after every applied fix. The clip that is sent is always the one in the form's audio box:
Apply writes the fixed clip there (as bytes, never a path: see shared/gradio.md).
All events are private: they are UI helpers, not API endpoints, and a typed key stays out of
the API schema and the run history.
"""

from __future__ import annotations

import html
import math
from types import SimpleNamespace
from typing import Any

import gradio as gr

from playground import clinic, config, cpu, messages, presets, providers
from playground.audio import VoiceSample
from playground.errors import InputError, PlaygroundError
from playground.providers.asr import TranscribeRequest
from playground.ui.common import ui_errors

FIX_KEYS = ("trim", "window", "mono", "resample", "normalize", "convert")
MAX_UNDO = 10
CONSENT_LABEL = "I have the right to clone this voice"


# -- consent (every upload that creates a voice) ------------------------------------------------------
def build_consent(prefix: str) -> gr.Checkbox:
    return gr.Checkbox(
        False,
        label=CONSENT_LABEL,
        elem_id=f"{prefix}-consent",
        info="It is my own voice, or its owner agreed to have it cloned.",
    )


def require_consent(consent: Any) -> None:
    """Raise InputError unless the consent box was ticked (the upload handlers call this first)."""
    if consent is not True and str(consent).strip().lower() not in ("true", "1", "yes"):
        raise InputError(
            f"Tick \u201c{CONSENT_LABEL}\u201d before uploading a voice sample.",
            hint="Only clone your own voice, or a voice whose owner agreed to it.",
        )


# -- rendering (pure) -----------------------------------------------------------------------------
def waveform_svg(points: tuple[float, ...], height: int = 56) -> str:
    if not points:
        return ""
    mid = height / 2
    bars = "".join(
        f'<rect x="{i}" y="{mid - max(p, 0.004) * mid:.2f}" width="0.8" height="{max(p, 0.004) * height:.2f}"/>'
        for i, p in enumerate(points)
    )
    return (
        f'<svg class="clinic-wave" viewBox="0 0 {len(points)} {height}" preserveAspectRatio="none" '
        f'width="100%" height="{height}" role="img" aria-label="waveform"><g fill="currentColor">{bars}</g></svg>'
    )


def _db(value: float, unit: str) -> str:
    return messages.translate("silent") if value == -math.inf else f"{value:.1f} {unit}"


def figures_html(a: clinic.Analysis) -> str:
    """The clip's figures; names and words in the page's language (like every text of the card)."""
    tr = messages.translate
    ch = tr({1: "mono", 2: "stereo"}.get(a.channels, f"{a.channels} channels"))
    rows = [
        ("Duration", f"{a.duration_s:.1f} s"),
        ("Sample rate", f"{a.sample_rate} Hz"),
        ("Channels", ch),
        ("Peak", _db(a.peak_dbfs, "dBFS")),
        ("Loudness", _db(a.loudness_lufs, "LUFS")),
        ("Silence (start / end)", f"{a.leading_silence_s:.1f} s / {a.trailing_silence_s:.1f} s"),
        ("Clipping", f"{a.clipping_ratio * 100:.2f} %"),
        ("Size", f"{a.size_bytes / 1048576:.2f} MB {a.format or ''}"),
    ]
    colon = "：" if messages.language() == messages.ZH else ":"  # "Duration: 14.7 s", "时长：14.7 s"
    cells = "".join(
        f'<div class="clinic-fig"><span>{html.escape(messages.label(k))}{colon}</span> '
        f'<b data-fig="{k.split()[0].lower()}">{html.escape(v)}</b></div>'
        for k, v in rows
    )
    return f'<div class="clinic-figs">{cells}</div>'


def checks_html(result: clinic.CheckResult) -> str:
    tr = messages.translate
    quality = f" <small>{html.escape(tr('(quality)'))}</small>"
    items = "".join(
        f'<li class="clinic-item {"ok" if i.ok else "bad"}" data-check="{i.key}" data-ok="{str(i.ok).lower()}">'
        f"{'✅' if i.ok else '❌'} <b>{html.escape(messages.label(i.label))}</b>: {html.escape(tr(i.reason))}"
        f"{'' if i.blocking else quality}</li>"
        for i in result.items
    )
    verdict = tr("within the limits" if result.ok else "outside the limits")
    return (
        f'<div class="clinic-verdict {"ok" if result.ok else "bad"}" data-overall="{str(result.ok).lower()}">'
        f"{'🟢' if result.ok else '🔴'} {html.escape(tr(result.title))}: {html.escape(verdict)}</div>"
        f'<ul class="clinic-checks">{items}</ul>'
    )


def card_html(sample: VoiceSample, provider_id: str, operation: str) -> tuple[str, clinic.Analysis, clinic.CheckResult]:
    a = clinic.analyze(sample)
    result = clinic.check(a, provider_id, operation)
    body = (
        f'<div class="clinic-card" data-operation="{html.escape(operation)}">{waveform_svg(a.waveform)}'
        f'{figures_html(a)}{checks_html(result)}<p class="clinic-note">'
        f"{html.escape(messages.translate('The clip in the audio box above is the one that will be sent.'))}</p></div>"
    )
    return body, a, result


def empty_card(message: str = "Record or upload a clip to check it.") -> str:
    return f'<div class="clinic-card empty">{html.escape(messages.translate(message))}</div>'


# -- handlers (private) -----------------------------------------------------------------------------
def _fix_updates(provider_id: str, operation: str, keys: list[str]) -> list[Any]:
    return [gr.update(visible=k in keys, value=clinic.fix_label(k, provider_id, operation)) for k in FIX_KEYS]


SANDBOX_CANNOT_HEAR = (
    "The sandbox's speech recognition cannot hear (it answers a fixed text): type what your sample says."
)


def make_handlers(provider_id: str, tab_provider: str, fill_from_sandbox: bool = True):
    def _card(audio, operation):
        sample = VoiceSample.from_input(audio) if audio else None
        return None if sample is None else card_html(sample, provider_id, operation)

    async def on_analyze(audio, operation):
        hidden = [gr.update(visible=False) for _ in FIX_KEYS]
        if not audio:
            return empty_card(), *hidden, gr.update(visible=False), None
        try:
            made = await cpu.run(_card, audio, operation)  # analysis: the CPU pool, the visitor's share
            if made is None:
                return empty_card(), *hidden, gr.update(visible=False), None
            body, a, result = made
        except PlaygroundError as exc:
            return empty_card(messages.user_message(exc)), *hidden, gr.update(visible=False), None
        return (
            body,
            *_fix_updates(provider_id, operation, clinic.applicable_fixes(result, a)),
            gr.update(visible=False),
            None,
        )

    @ui_errors
    async def on_preview(audio, operation, key):
        return await cpu.run(_preview, audio, operation, key)  # decoding and fixes: the CPU pool, metered

    def _preview(audio, operation, key):
        sample = VoiceSample.from_input(audio)
        if sample is None:
            raise gr.Error("Record or upload a clip first.")
        fixed = clinic.apply_fix(sample, key, provider_id, operation)
        after = clinic.check(clinic.analyze(fixed.sample), provider_id, operation)
        turned = [i.label for i in after.items if i.ok and not sample_check_ok(sample, operation, i.key)]
        tr = messages.translate  # the pieces, since the whole is a composite no catalog entry matches
        note = " " + tr(f"Now green: {', '.join(messages.label(t) for t in turned)}.") if turned else ""
        fix = messages.label(clinic.fix_label(key, provider_id, operation))
        info = f"**{messages.label('Preview')}: {fix}.** {tr(fixed.description)}{note} " + tr("Listen, then *Apply*.")
        return (
            gr.update(visible=True),
            fixed.sample.data,
            info,
            {"data": fixed.sample.data, "filename": fixed.sample.filename, "description": fixed.description},
        )

    def sample_check_ok(sample: VoiceSample, operation: str, key: str) -> bool:
        return clinic.check(clinic.analyze(sample), provider_id, operation).item(key).ok

    def on_apply(audio, pending, history):
        if not pending:
            return gr.skip(), gr.update(visible=False), None, history, gr.skip()
        current = VoiceSample.from_input(audio)
        history = [*(history or []), current.data if current else None][-MAX_UNDO:]
        return pending["data"], gr.update(visible=False), None, history, gr.update(visible=True)

    def on_discard():
        return gr.update(visible=False), None

    def on_undo(history):
        history = list(history or [])
        if not history:
            return gr.skip(), history, gr.update(visible=False)
        previous = history.pop()
        return previous, history, gr.update(visible=bool(history))

    async def transcribe(audio, asr_id, typed_key):
        sample = VoiceSample.from_input(audio)
        if sample is None:
            return gr.skip(), messages.translate("Nothing to transcribe.")
        key = typed_key if asr_id == tab_provider else ""  # a key typed for this tab goes to this tab's provider only
        try:
            result = await providers.get(asr_id).transcribe(TranscribeRequest(sample), api_key=key)
        except PlaygroundError as exc:
            return gr.skip(), "⚠️ " + messages.translate(f"Transcript not updated: {messages.user_message(exc)}")
        mode = "sandbox" if result.sandbox else "live"
        if result.sandbox and not fill_from_sandbox:  # an honest box: empty, and why
            return "", "ℹ️ " + messages.translate(SANDBOX_CANNOT_HEAR)
        return result.text, messages.translate(
            f"Transcript from {providers.get(asr_id).label} `{result.model}` for the "
            f"{result.duration_s:.1f} s clip · {mode}. Edit it if a word is wrong."
        )

    async def on_transcribe(audio, asr_id, typed_key, operation, wanted):
        if wanted and operation not in wanted:
            return gr.skip(), gr.skip()
        return await transcribe(audio, asr_id, typed_key)

    async def on_auto_transcribe(audio, asr_id, typed_key, operation, wanted, current_text):
        """The proposed text ("" for none): the browser puts it in the box only if the box is empty."""
        if (current_text or "").strip():
            return "", gr.skip()
        text, info = await on_transcribe(audio, asr_id, typed_key, operation, wanted)
        return (text if isinstance(text, str) else ""), info

    return SimpleNamespace(
        on_analyze=on_analyze,
        on_preview=on_preview,
        on_apply=on_apply,
        on_discard=on_discard,
        on_undo=on_undo,
        on_transcribe=on_transcribe,
        on_auto_transcribe=on_auto_transcribe,
    )


def asr_choices() -> list[tuple[str, str]]:
    out = []
    for pid, cls in providers.PROVIDERS.items():
        if cls.SUPPORTS_TRANSCRIBE:
            mode = "sandbox" if config.is_sandbox(pid) else "key set"
            out.append((f"{presets.load(pid)['label']} ({mode})", pid))
    return out


def default_asr(tab_provider: str) -> str:
    ids = [pid for _, pid in asr_choices()]
    if tab_provider in ids:
        return tab_provider
    with_key = [pid for pid in ids if not config.is_sandbox(pid)]
    return (with_key or ids)[0]


# -- builder ----------------------------------------------------------------------------------------
def build_sample_card(
    audio: gr.Audio,
    provider_id: str,
    operation: str | gr.Radio | gr.Dropdown,
    *,
    prefix: str,
    transcript: gr.Textbox | None = None,
    key_box: gr.Textbox | None = None,
    transcribe: bool | None = None,
    transcript_operations: list[str] | None = None,
    fill_from_sandbox: bool = True,
) -> SimpleNamespace:
    """Put the sample card under `audio`. `operation` is a samples key of the provider's preset
    (e.g. "prompt_audio") or a component holding one (MiniMax's purpose radio). A transcript box
    built later (on another tab) is joined with connect_transcript(card, box). fill_from_sandbox=False
    leaves the transcript empty (with a note) when the recogniser is the sandbox's, which cannot hear."""
    h = make_handlers(provider_id, provider_id, fill_from_sandbox)
    private = dict(api_visibility="private")
    ui = SimpleNamespace(handlers=h, audio=audio)
    with gr.Group(elem_id=f"{prefix}-clinic", elem_classes=["clinic"]):
        ui.card = gr.HTML(empty_card(), elem_id=f"{prefix}-clinic-card")
        with gr.Row():
            ui.fixes = [
                gr.Button(clinic.FIX_LABELS[k], size="sm", visible=False, elem_id=f"{prefix}-fix-{k}") for k in FIX_KEYS
            ]
            ui.undo = gr.Button("Undo", size="sm", visible=False, elem_id=f"{prefix}-fix-undo")
        with gr.Column(visible=False) as ui.preview_box:
            ui.preview_info = gr.Markdown(elem_id=f"{prefix}-fix-info")
            ui.preview = gr.Audio(label="Preview of the fixed clip", interactive=False, elem_id=f"{prefix}-fix-preview")
            with gr.Row():
                ui.apply = gr.Button("Apply", variant="primary", size="sm", elem_id=f"{prefix}-fix-apply")
                ui.discard = gr.Button("Discard", size="sm", elem_id=f"{prefix}-fix-discard")
        if transcribe or (transcribe is None and transcript is not None):
            with gr.Row():
                ui.asr = gr.Dropdown(
                    asr_choices(),
                    value=default_asr(provider_id),
                    label="Transcribe with",
                    elem_id=f"{prefix}-asr-provider",
                    scale=3,
                )
                ui.transcribe = gr.Button(
                    "Transcribe", size="sm", elem_id=f"{prefix}-asr-btn", scale=0, elem_classes=["vcp-button"]
                )
            ui.asr_info = gr.Markdown(elem_id=f"{prefix}-asr-info")
    ui.pending = gr.State(None)
    ui.history = gr.State([])
    ui.op = operation if isinstance(operation, gr.components.Component) else gr.State(operation)
    ui.wanted = gr.State(list(transcript_operations or []))
    ui.key = key_box if key_box is not None else gr.State("")

    analyze = dict(
        fn=h.on_analyze, inputs=[audio, ui.op], outputs=[ui.card, *ui.fixes, ui.preview_box, ui.pending], **private
    )
    audio.change(**analyze)
    if isinstance(operation, (gr.Radio, gr.Dropdown)):
        operation.change(**analyze)
    for k, button in zip(FIX_KEYS, ui.fixes, strict=True):
        button.click(
            h.on_preview,
            [audio, ui.op, gr.State(k)],
            [ui.preview_box, ui.preview, ui.preview_info, ui.pending],
            **private,
        )
    ui.discard.click(h.on_discard, None, [ui.preview_box, ui.pending], **private)
    ui.applied = ui.apply.click(
        h.on_apply, [audio, ui.pending, ui.history], [audio, ui.preview_box, ui.pending, ui.history, ui.undo], **private
    )
    ui.undone = ui.undo.click(h.on_undo, [ui.history], [audio, ui.history, ui.undo], **private)
    if transcript is not None:
        connect_transcript(ui, transcript)
    return ui


def connect_transcript(ui: SimpleNamespace, transcript: gr.Textbox) -> None:
    """Fill `transcript` from the card's clip: on Transcribe, after every Apply/Undo, and after an
    upload or recording when the box is still empty."""
    h, audio, private = ui.handlers, ui.audio, dict(api_visibility="private")
    run = dict(
        fn=h.on_transcribe,
        inputs=[audio, ui.asr, ui.key, ui.op, ui.wanted],
        outputs=[transcript, ui.asr_info],
        **private,
    )
    ui.transcribe.click(
        h.on_transcribe, [audio, ui.asr, ui.key, gr.State(""), gr.State([])], [transcript, ui.asr_info], **private
    )
    ui.applied.then(**run)  # text and audio stay aligned after a fix
    ui.undone.then(**run)
    # after an upload or a recording: only into an empty box, decided in the browser when the text
    # arrives, so words typed meanwhile are never overwritten
    proposed = gr.Textbox(visible=False, elem_id=f"{transcript.elem_id or 'clinic'}-proposed")
    auto = dict(
        fn=h.on_auto_transcribe,
        inputs=[audio, ui.asr, ui.key, ui.op, ui.wanted, transcript],
        outputs=[proposed, ui.asr_info],
        **private,
    )
    fill = dict(
        fn=None,
        inputs=[proposed, transcript],
        outputs=[transcript],
        js="(t, cur) => ((cur || '').trim() ? cur : (t || cur))",
        **private,
    )
    audio.upload(**auto).then(**fill)
    audio.stop_recording(**auto).then(**fill)
