"""The "View code" accordion every provider tab adds with one line: `build_code_view(PID)`.

The Transport reports every request it builds (playground.http.REQUEST_OBSERVERS); the observer
here files it under the browser session and event that sent it (Gradio's request context), so
the accordion shows this session's last chain (upload -> clone -> speak) as curl and httpx,
generated from the requests that really went out. The key is never in them.
"""

from __future__ import annotations

import gradio as gr

from playground import codeview, http
from playground.http import CapturedRequest
from playground.ui.event_args import EventOptions

NOTE = (
    "The exact requests of your last run in this tab, generated from what the playground sent. "
    "The key is read from the environment variable; audio files are referred to by name."
)


_OPEN_JS = """() => {
  const remeasure = () => window.dispatchEvent(new Event('resize'));
  setTimeout(() => { document.getElementById('ELEM')?.scrollIntoView({block: 'start'}); remeasure(); }, 120);
  setTimeout(remeasure, 600);
  return [];
}"""


def _observe(req: CapturedRequest) -> None:
    from gradio.context import LocalContext

    request = LocalContext.request.get(None)
    session = getattr(request, "session_hash", None)
    if session:
        codeview.SESSIONS.add(session, LocalContext.event_id.get(None), req)


def install() -> None:
    """Start filing requests per session (once per process)."""
    if _observe not in http.REQUEST_OBSERVERS:
        http.REQUEST_OBSERVERS.append(_observe)


def _session(request: gr.Request | None) -> str:
    return getattr(request, "session_hash", None) or ""


def build_code_view(provider_id: str) -> None:
    """An accordion with the last run's requests as curl and Python, refreshed on open and on demand."""
    install()

    def show(request: gr.Request):
        reqs = codeview.SESSIONS.chain(_session(request), provider_id)
        return codeview.to_curl(reqs), codeview.to_python(reqs)

    def clear(request: gr.Request):
        codeview.SESSIONS.clear(_session(request), provider_id)
        return codeview.to_curl([]), codeview.to_python([])

    with gr.Accordion("View code", open=False, elem_id=f"{provider_id}-code") as accordion:
        gr.Markdown(NOTE)
        with gr.Row():
            refresh = gr.Button("Show the last run", size="sm", elem_id=f"{provider_id}-code-refresh")
            forget = gr.Button("Clear", size="sm", elem_id=f"{provider_id}-code-clear")
        curl = gr.Code(
            codeview.to_curl([]),
            language="shell",
            label="curl",
            interactive=False,
            buttons=["copy"],
            elem_id=f"{provider_id}-code-curl",
            wrap_lines=True,
        )
        python = gr.Code(
            codeview.to_python([]),
            language="python",
            label="Python (httpx)",
            interactive=False,
            buttons=["copy"],
            elem_id=f"{provider_id}-code-python",
        )
    private: EventOptions = {"api_visibility": "private", "queue": False}
    accordion.expand(show, None, [curl, python], **private)
    # the panel comes into view when opened, and the editors measure their lines again once they are
    # shown (measured while closed, the line numbers drifted away from the lines)
    accordion.expand(None, None, None, js=_OPEN_JS.replace("ELEM", f"{provider_id}-code"), **private)
    refresh.click(show, None, [curl, python], **private)
    forget.click(clear, None, [curl, python], **private)
