"""The live player every speak form shares, and the route that feeds it.

A streamed speak handler is an async generator: `speak_live()` opens a LiveStream and yields
the player's HTML first (the browser connects to /vcp-live/<token> while the request to the
provider is still on its way), then the finished SpeechResult. Gradio's own streaming
audio re-encodes to HLS and adds about a second (shared/gradio.md); this path plays the
provider's bytes as 16-bit PCM through Web Audio as they arrive.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable

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
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "X-Accel-Buffering": "no",
               "X-Sample-Rate": str(stream.rate)}
    return StreamingResponse(stream.pcm(), media_type="application/octet-stream", headers=headers)


ROUTES = [Route(ROUTE_PREFIX + "/{token}", live_route, methods=["GET"])]


# -- the component ------------------------------------------------------------------------------
def build_live_player(elem_id: str) -> gr.HTML:
    return gr.HTML("", elem_id=elem_id, elem_classes=["vcp-live-player"], js_on_load=PLAYER_JS,
                   padding=False, container=False)


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
    html: str | None = None           # first update of a streamed run: the player
    result: SpeechResult | None = None  # last update: the finished take
    stream: LiveStream | None = None

    @property
    def first_audio_s(self) -> float | None:
        return self.stream.stats.first_audio_s if self.stream else None


async def speak_live(speak: Callable[[ChunkCallback | None], Awaitable[SpeechResult]], *, live: bool, fmt: str,
                     sample_rate: int | None = None, channels: int = 1) -> AsyncIterator[LiveUpdate]:
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
    yield LiveUpdate(result=result, stream=stream)


def live_summary(update: LiveUpdate) -> str:
    """' · first audio chunk after 0.31 s (streamed live)' for the summary line, or ''."""
    first = update.first_audio_s
    return "" if first is None else f" · first audio chunk after {first:.2f} s (streamed live)"
