"""The live player every speak form shares, and the route that feeds it.

A streamed speak handler is an async generator: `speak_live()` opens a LiveStream and yields
the player's HTML first (the browser connects to /vcp-live/<token> while the request to the
provider is still on its way), then the finished SpeechResult. Gradio's own streaming
audio re-encodes to HLS and adds about a second (shared/gradio.md); this path plays the
provider's bytes as 16-bit PCM through Web Audio as they arrive.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from playground.live import STREAMS, LiveStream, can_stream
from playground.providers.base import ChunkCallback, SpeechResult

ROUTE_PREFIX = "/vcp-live"
PLAYER_JS = (Path(__file__).with_name("live_player.js")).read_text(encoding="utf-8")


# -- the route ----------------------------------------------------------------------------------
async def live_route(request: Request) -> Response:
    stream = STREAMS.get(request.path_params["token"])
    if stream is None:
        return PlainTextResponse("This live stream has ended or never existed.", status_code=404)
    headers = {
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "X-Accel-Buffering": "no",
        "X-Sample-Rate": str(stream.rate),
    }
    return StreamingResponse(stream.pcm(), media_type="application/octet-stream", headers=headers)


ROUTES = [Route(ROUTE_PREFIX + "/{token}", live_route, methods=["GET"])]


# -- the component ------------------------------------------------------------------------------
def build_live_player(elem_id: str) -> gr.HTML:
    return gr.HTML(
        "", elem_id=elem_id, elem_classes=["vcp-live-player"], js_on_load=PLAYER_JS, padding=False, container=False
    )


def player_html(stream: LiveStream) -> str:
    return (
        f'<div class="vcp-live" data-token="{html.escape(stream.token)}" data-rate="{stream.rate}">'
        '<span class="vcp-live-dot">●</span> <strong>Live</strong> '
        '<span class="vcp-live-status">Connecting…</span> '
        '<button type="button" class="vcp-live-stop">Stop</button></div>'
    )


CSS = """
.vcp-live { display: flex; gap: 6px; align-items: center; padding: 6px 10px; border-radius: 8px;
            background: var(--block-background-fill); border: 1px solid var(--border-color-primary); }
.vcp-live-dot { color: #dc2626; }
.vcp-live-stop { margin-left: auto; padding: 0 8px; border: 1px solid var(--border-color-primary); border-radius: 6px; }
"""


# -- the handler side ---------------------------------------------------------------------------
@dataclass
class LiveUpdate:
    html: str | None = None  # first update of a streamed run: the player
    result: SpeechResult | None = None  # last update: the finished take
    stream: LiveStream | None = None

    @property
    def first_audio_s(self) -> float | None:
        return self.stream.stats.first_audio_s if self.stream else None


async def speak_live(
    speak: Callable[[ChunkCallback | None], Awaitable[SpeechResult]],
    *,
    live: bool,
    fmt: str,
    sample_rate: int | None = None,
    channels: int = 1,
) -> AsyncIterator[LiveUpdate]:
    """Run one speech request. With live=True (and a format the live decoder reads) yield the
    player first and feed it every chunk; always end with the finished result."""
    if not (live and can_stream(fmt)):
        yield LiveUpdate(result=await speak(None))
        return
    stream = await STREAMS.open(fmt, sample_rate, channels)
    yield LiveUpdate(html=player_html(stream), stream=stream)
    try:
        result = await speak(stream.push)
    except BaseException:
        await stream.finish(failed="the request failed")
        raise
    await stream.finish()
    yield LiveUpdate(html=player_html(stream), result=result, stream=stream)


# Both yields send plain values to every output, never gr.skip(): in Gradio 6.31 each gr.skip() or
# gr.update() to an output replaces it with a new component in the session's state, and the next
# plain value then files that copy under an id of its own, so a session kept one more Audio, File
# and HTML (with their config) for every speak it ran (bench/soak.py: +0.4 MB/s under load).
# tests/integration/test_session_state.py holds every speak endpoint to this.
STREAMING_NOTE = "Streaming… the live player starts with the first audio."


def streaming_outputs(update: LiveUpdate) -> tuple:
    """(audio, file, summary, player) for the first yield of a streamed speak: the last take's
    audio and file are cleared while the new one plays live."""
    return None, None, STREAMING_NOTE, update.html


def player_value(update: LiveUpdate) -> str:
    """The player slot of the last yield: the same HTML again for a streamed run (unchanged, so the
    page keeps playing), empty otherwise."""
    return update.html or ""


def live_summary(update: LiveUpdate) -> str:
    """' · first audio chunk after 0.31 s (streamed live)' for the summary line, or ''."""
    first = update.first_audio_s
    return "" if first is None else f" · first audio chunk after {first:.2f} s (streamed live)"
