"""The Voice Arena tab: one sample, clone everywhere, hear them all, scorecard, blind votes, report.

Thin: the flow is playground/arena/, the handlers ui/arena_handlers.py. The sample box reuses the
clinic's card (figures, checks, one-click fixes) and its speech recognition fills the transcript.
"""

from __future__ import annotations

import gradio as gr

from playground import messages, presets, providers
from playground.arena import entrants, report, speaking
from playground.ui import arena_handlers as h
from playground.ui import i18n
from playground.ui.clinic_ui import build_consent, build_sample_card
from playground.ui.event_args import EventOptions
from playground.ui.fair_queue import build_cancel_button, wire_cancel

INTRO = """### 🏟️ Arena
Record or upload **one** voice sample, then **Clone everywhere**: every provider that can clone gets the sample
fitted to its own limits, all at once. **Hear them all** speaks a test script with every clone (loudness-matched),
scores each take against your sample and says which clone is closest to you, or that the numbers cannot tell;
a blind A/B vote tells you which one your ears prefer.
Providers without a key run in the sandbox, whose clones follow your sample's pitch."""

CSS = """
#arena-takes .arena-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 8px; }
#arena-takes .arena-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px;
  overflow-wrap: anywhere; min-width: 0; }
#arena-takes .arena-rank { font-weight: 700; color: var(--color-accent); }
#arena-takes .arena-tag { font-size: .8em; border: 1px solid var(--border-color-primary); border-radius: 4px;
  padding: 0 4px; }
#arena-takes .arena-nums { display: grid; grid-template-columns: 1fr 1fr; gap: 2px 10px; margin: .4em 0; }
#arena-takes .arena-nums dt { font-size: .8em; opacity: .75; }
#arena-takes .arena-nums dd { margin: 0; font-weight: 600; }
#arena-takes .arena-error { color: var(--error-text-color, #b91c1c); }
#arena-takes .arena-note, #arena-takes .arena-legend, #arena-takes .arena-shared { font-size: .85em; opacity: .8; }
#arena-takes audio, #arena-pair audio { width: 100%; }
#arena-pair .arena-pair { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
#arena-verdict { font-size: 1.1em; border-left: 4px solid var(--color-accent); padding-left: 10px; }
#arena-speak-progress .arena-steps { list-style: none; padding: 0; margin: 0; columns: 2 260px; font-size: .9em; }
#arena-speak-progress .arena-step { overflow-wrap: anywhere; break-inside: avoid; }
"""


_COLORS = {"clone": "#2563eb", "control": "#9ca3af", "ceiling": "#16a34a"}
PLOT_COLORS = {**_COLORS, **{messages.translate(k, messages.ZH): v for k, v in _COLORS.items()}}


def _entrant_choices() -> list[tuple[str, str]]:
    return [(e.label, e.key) for e in entrants.all_entrants()]


def _script_choices() -> list[tuple[str, str]]:
    return [(s["label"], key) for key, s in entrants.arena_spec()["scripts"].items()]


def _default_scripts() -> dict[str, str]:
    """The test script a page starts with, by language (a Chinese page reads a Chinese one)."""
    spec = entrants.arena_spec()
    return {"en": spec["default_script"], **spec.get("default_script_by_language", {})}


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
                info="Fills in by itself when the speech recognition can hear (a provider key is set); "
                "in the sandbox, type what you said.",
            )
            build_sample_card(
                sample, "siliconflow", "upload", prefix="arena", transcript=transcript, fill_from_sandbox=False
            )
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
    # What a run shows stays hidden until the run starts (its components are fetched just after the first
    # screen, ui/deferred.py): the landing page's first screen carries only what it shows (issue 22).
    with gr.Column(visible=False, elem_id="arena-progress-box") as progress_box:
        progress = gr.Dataframe(
            headers=h.PROGRESS_HEADERS,
            label="Clone progress",
            interactive=False,
            elem_id="arena-progress",
            wrap=True,
            type="array",
        )
        with gr.Row():
            retry_choice = gr.Dropdown(
                _entrant_choices(),
                value=entrants.default_keys()[0],
                label="Retry one row",
                elem_id="arena-retry-choice",
                scale=3,
            )
            retry_btn = gr.Button("Retry this row", size="sm", elem_id="arena-retry", scale=1)
        # the family number is state the endpoints take, shown as words in the summary, not as a box to edit
        family = gr.Number(label="Voice family", precision=0, elem_id="arena-family", visible=False)
    summary = gr.Markdown(elem_id="arena-clone-summary")

    # the second step (and what it shows) appears once the first has started: before a clone there is
    # nothing to hear, and the first screen carries only what it shows
    with gr.Column(visible=False, elem_id="arena-hear") as hear_box:
        gr.Markdown("#### Hear them all")
        with gr.Row():
            script = gr.Dropdown(
                _script_choices(), value=_default_scripts()["en"], label="Test script", elem_id="arena-script"
            )
            root = gr.context.Context.root_block
            if root is not None:  # the page's language picks it, in the browser (no call to the server)
                root.load(
                    None,
                    None,
                    [script],
                    js=i18n.by_language_js(_default_scripts()),
                    api_visibility="private",
                    queue=False,
                )
            own_text = gr.Textbox(label="Or your own text", elem_id="arena-text", scale=2)
            takes_n = gr.Slider(
                1,
                speaking.MAX_TAKES_PER_ENTRANT,
                value=1,
                step=1,
                label="Takes per entrant",
                info="More takes: the best one counts, and their spread shows how much the numbers wobble.",
                elem_id="arena-takes-n",
            )
        with gr.Row():
            speak_btn = gr.Button("Hear them all", variant="primary", elem_id="arena-speak", scale=3)
            cancel_speak = build_cancel_button("arena-speak-cancel")
        speak_progress = gr.HTML(elem_id="arena-speak-progress")
    with gr.Column(visible=False, elem_id="arena-results") as results:  # shown when Hear them all starts
        verdict = gr.Markdown(elem_id="arena-verdict")
        with gr.Row():
            sim_plot = gr.BarPlot(
                x="entrant",
                y="similarity",
                color="kind",
                color_map=PLOT_COLORS,
                sort="-y",
                label="Similarity to your voice (best take; higher is closer)",
                show_label=True,
                x_label_angle=-30,
                y_lim=[0.5, 1.0],
                height=300,
                elem_id="arena-sim-plot",
            )
            quality_plot = gr.ScatterPlot(
                x="first audio s",
                y="DNSMOS OVRL",
                color="entrant",
                label="Quality against speed",
                show_label=True,
                y_lim=[1, 5],
                height=420,  # room for the legend: one colour per entrant
                elem_id="arena-quality-plot",
            )
        takes = gr.HTML(elem_id="arena-takes")
        run_label = gr.Markdown(elem_id="arena-run-label")
        with gr.Accordion("Full table and what the numbers mean", open=False, elem_id="arena-table-box"):
            scorecard = gr.Dataframe(
                headers=report.HEADERS,
                label="Scorecard (best combined first)",
                interactive=False,
                elem_id="arena-scorecard",
                wrap=True,
            )
            gr.Markdown(report.help_markdown(), elem_id="arena-score-help")
        # the run token is state the vote and report endpoints take: kept, not shown as a box to edit
        run_id = gr.Textbox(label="Run", interactive=False, elem_id="arena-run", max_lines=1, visible=False)

        gr.Markdown("#### Blind vote")
        vote_note = gr.Markdown(elem_id="arena-vote-note")
        pair = gr.HTML(elem_id="arena-pair")
        with gr.Row():
            choice = gr.Radio(
                [("A", "A"), ("B", "B"), ("tie", "tie")],
                value=None,
                label="Which sounds more like you?",
                elem_id="arena-choice",
            )
            vote_btn = gr.Button("Vote", elem_id="arena-vote")
        reveal = gr.Markdown(elem_id="arena-reveal")
        ratings = gr.Dataframe(
            headers=["entrant", "rating", "95% interval", "votes"],
            label="Ratings (Elo, this voice family)",
            interactive=False,
            elem_id="arena-ratings",
        )
        agreement = gr.Markdown(elem_id="arena-agreement")

        gr.Markdown("#### Report")
        report_btn = gr.Button("Make report", elem_id="arena-report")
        with gr.Row():
            html_file = gr.File(label="Report (HTML)", height=80, elem_id="arena-report-html")
            csv_file = gr.File(label="Scorecard (CSV)", height=80, elem_id="arena-report-csv")
            zip_file = gr.File(label="Raw takes (zip)", height=80, elem_id="arena-report-zip")

    with gr.Accordion("Score any take", open=False):
        ref_in = gr.Audio(type="filepath", label="Reference clip", elem_id="arena-score-ref")
        take_in = gr.Audio(type="filepath", label="Take", elem_id="arena-score-take")
        text_in = gr.Textbox(label="What the take says", elem_id="arena-score-text")
        score_btn = gr.Button("Score", elem_id="arena-score")
        score_out = gr.JSON(label="Scorecard", elem_id="arena-score-out")

    shown: EventOptions = {"api_visibility": "private", "queue": False}
    clone_btn.click(lambda: [gr.update(visible=True)] * 2, None, [progress_box, hear_box], **shown)
    speak_btn.click(lambda: gr.update(visible=True), None, [results], **shown)
    cloning = clone_btn.click(
        h.arena_clone, [sample, transcript, consent, chosen, keys], [progress, family, summary], api_name="arena_clone"
    )
    retrying = retry_btn.click(
        h.on_retry, [sample, transcript, consent, retry_choice, progress, keys], [progress, family, summary], **private
    )
    hearing = speak_btn.click(
        h.arena_speak,
        [family, script, own_text, chosen, keys, takes_n],
        [takes, scorecard, run_id, pair, vote_note, verdict, speak_progress, sim_plot, quality_plot, run_label],
        api_name="arena_speak",
        show_progress_on=[speak_progress],  # one overlay: the per-entrant lines say the rest
    )
    vote_btn.click(
        h.arena_vote,
        [run_id, choice],
        [reveal, ratings, agreement, pair],
        api_name="arena_vote",
        show_progress_on=[reveal],  # a refused vote marks the reveal line, never the players or the choice
    ).success(lambda: gr.update(value=None), None, [choice], queue=False, **private)  # the next pair: no choice
    report_btn.click(h.arena_report, [run_id], [html_file, csv_file, zip_file], api_name="arena_report")
    score_btn.click(h.score_take, [ref_in, take_in, text_in], [score_out], api_name="score_take")
    wire_cancel(cancel_clone, cloning, retrying)
    wire_cancel(cancel_speak, hearing)


__all__ = ["CSS", "build_arena_tab", "providers"]
