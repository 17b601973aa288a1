"""The app's own route for the Arena page's players: /vcp-arena/<run token>/<take index | ref> serves
the loudness-matched WAV of one take from the recent runs kept in memory (playground/arena/runs.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from playground.arena import runs
from playground.arena.report import ROUTE_PREFIX


async def take_route(request: Request) -> Response:
    data = runs.audio_of(request.path_params["token"], request.path_params["which"])
    if data is None:
        return PlainTextResponse("This Arena take is no longer here.", status_code=404)
    return Response(
        data,
        media_type="audio/wav",
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


ROUTES = [Route(f"/{ROUTE_PREFIX}/{{token}}/{{which}}", take_route, methods=["GET"])]
