"""The Voice Arena tab: one sample, clone everywhere, hear them all, scorecard, blind votes, report.

Thin: the flow is playground/arena/, the handlers ui/arena_handlers.py. The sample box reuses the
clinic's card (figures, checks, one-click fixes) and its speech recognition fills the transcript.
"""

from __future__ import annotations

import gradio as gr

from playground import presets, providers
from playground.arena import entrants, report
from playground.ui import arena_handlers as h
from playground.ui.clinic_ui import build_consent, build_sample_card
from playground.ui.event_args import EventOptions
from playground.ui.fair_queue import build_cancel_button, wire_cancel

INTRO = """### 🏟️ Arena
Record or upload **one** voice sample, then **Clone everywhere**: every provider that can clone gets the sample
fitted to its own limits, all at once. **Hear them all** speaks a test script with every clone (loudness-matched),
scores each take against your sample, and a blind A/B vote tells you which one your ears prefer.
Providers without a key run in the sandbox, whose clones follow your sample's pitch."""

CSS = """
#arena-takes .arena-takes { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 8px; }
#arena-takes .arena-take { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 6px; }
#arena-takes audio, #arena-pair audio { width: 100%; }
#arena-pair .arena-pair { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
"""


def _entrant_choices() -> list[tuple[str, str]]:
    return [(e.label, e.key) for e in entrants.all_entrants()]


def _script_choices() -> list[tuple[str, str]]:
    return [(s["label"], key) for key, s in entrants.arena_spec()["scripts"].items()]


def build_arena_tab() -> None:
    private: EventOptions = {"api_visibility": "private"}
    gr.Markdown(INTRO, elem_id="arena-intro")
    gr.HTML(f"<style>{CSS}</style>", elem_id="arena-style")
    keys = gr.State({})
    with gr.Row():
        with gr.Column(scale=3):
            sample = gr.Audio(
                sources=["microphone", "upload"], type="filepath", label="Your voice sample", elem_id="arena-sample"
            )
            transcript = gr.Textbox(
                label="Transcript of the sample",
                lines=2,
                elem_id="arena-transcript",
                info="Fills in by itself after a recording or upload; edit it if a word is wrong.",
            )
            build_sample_card(sample, "siliconflow", "upload", prefix="arena", transcript=transcript)
        with gr.Column(scale=2):
            consent = build_consent("arena")
            chosen = gr.CheckboxGroup(
                _entrant_choices(), value=entrants.default_keys(), label="Providers", elem_id="arena-entrants"
            )
            with gr.Accordion("API keys (optional; this browser session only)", open=False):
                for pid in dict.fromkeys(e.provider_id for e in entrants.all_entrants()):
                    label = f"{presets.load(pid)['label']} API key (optional, this browser session only)"
                    box = gr.Textbox(
                        label=label,
                        type="password",
                        placeholder="empty: the configured key, else the sandbox",
                        elem_id=f"arena-key-{pid}",
                    )
                    box.change(h.on_key, [keys, gr.State(pid), box], [keys], **private)
            with gr.Row():
                clone_btn = gr.Button("Clone everywhere", variant="primary", elem_id="arena-clone", scale=3)
                cancel_clone = build_cancel_button("arena-clone-cancel")
    progress = gr.Dataframe(
        headers=h.PROGRESS_HEADERS,
        label="Clone progress",
        interactive=False,
        elem_id="arena-progress",
        wrap=True,
        type="array",
    )
    with gr.Row():
        family = gr.Number(label="Voice family", precision=0, elem_id="arena-family", scale=1)
        summary = gr.Markdown(elem_id="arena-clone-summary")
    with gr.Row():
        retry_choice = gr.Dropdown(
            _entrant_choices(),
            value=entrants.default_keys()[0],
            label="Retry one row",
            elem_id="arena-retry-choice",
            scale=3,
        )
        retry_btn = gr.Button("Retry this row", size="sm", elem_id="arena-retry", scale=1)

    gr.Markdown("#### Hear them all")
    with gr.Row():
        script = gr.Dropdown(
            _script_choices(),
            value=entrants.arena_spec()["default_script"],
            label="Test script",
            elem_id="arena-script",
        )
        own_text = gr.Textbox(label="Or your own text", elem_id="arena-text", scale=2)
    with gr.Row():
        speak_btn = gr.Button("Hear them all", variant="primary", elem_id="arena-speak", scale=3)
        cancel_speak = build_cancel_button("arena-speak-cancel")
    takes = gr.HTML(elem_id="arena-takes")
    scorecard = gr.Dataframe(
        headers=report.HEADERS,
        label="Scorecard (best combined first)",
        interactive=False,
        elem_id="arena-scorecard",
        wrap=True,
    )
    gr.Markdown(report.help_markdown(), elem_id="arena-score-help")
    run_id = gr.Textbox(label="Run", interactive=False, elem_id="arena-run", max_lines=1)

    gr.Markdown("#### Blind vote")
    vote_note = gr.Markdown(elem_id="arena-vote-note")
    pair = gr.HTML(elem_id="arena-pair")
    with gr.Row():
        choice = gr.Radio(
            [("A", "A"), ("B", "B"), ("tie", "tie")],
            value="A",
            label="Which sounds more like you?",
            elem_id="arena-choice",
        )
        vote_btn = gr.Button("Vote", elem_id="arena-vote")
    reveal = gr.Markdown(elem_id="arena-reveal")
    ratings = gr.Dataframe(
        headers=["entrant", "rating", "votes"],
        label="Ratings (Elo, this voice family)",
        interactive=False,
        elem_id="arena-ratings",
    )
    agreement = gr.Markdown(elem_id="arena-agreement")

    gr.Markdown("#### Report")
    report_btn = gr.Button("Make report", elem_id="arena-report")
    with gr.Row():
        html_file = gr.File(label="Report (HTML)", elem_id="arena-report-html")
        csv_file = gr.File(label="Scorecard (CSV)", elem_id="arena-report-csv")
        zip_file = gr.File(label="Raw takes (zip)", elem_id="arena-report-zip")

    with gr.Accordion("Score any take", open=False):
        ref_in = gr.Audio(type="filepath", label="Reference clip", elem_id="arena-score-ref")
        take_in = gr.Audio(type="filepath", label="Take", elem_id="arena-score-take")
        text_in = gr.Textbox(label="What the take says", elem_id="arena-score-text")
        score_btn = gr.Button("Score", elem_id="arena-score")
        score_out = gr.JSON(label="Scorecard", elem_id="arena-score-out")

    cloning = clone_btn.click(
        h.arena_clone, [sample, transcript, consent, chosen, keys], [progress, family, summary], api_name="arena_clone"
    )
    retrying = retry_btn.click(
        h.on_retry, [sample, transcript, consent, retry_choice, progress, keys], [progress, family, summary], **private
    )
    speaking = speak_btn.click(
        h.arena_speak,
        [family, script, own_text, chosen, keys],
        [takes, scorecard, run_id, pair, vote_note],
        api_name="arena_speak",
    )
    vote_btn.click(h.arena_vote, [run_id, choice], [reveal, ratings, agreement, pair], api_name="arena_vote")
    report_btn.click(h.arena_report, [run_id], [html_file, csv_file, zip_file], api_name="arena_report")
    score_btn.click(h.score_take, [ref_in, take_in, text_in], [score_out], api_name="score_take")
    wire_cancel(cancel_clone, cloning, retrying)
    wire_cancel(cancel_speak, speaking)


__all__ = ["CSS", "build_arena_tab", "providers"]
