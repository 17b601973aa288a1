"""The sandbox ASGI app: every provider's simulator under its own prefix."""

from __future__ import annotations

from fastapi import FastAPI

from playground.sandbox import cartesia, elevenlabs, fishaudio, minimax, openai_compat, siliconflow, voice_match, zhipu
from playground.sandbox.control import RecorderMiddleware, SandboxState, control_router

# provider id -> (URL prefix the adapter's base URL points at, starting /<id>; router factory)
SIMULATORS = {
    "siliconflow": ("/siliconflow/v1", siliconflow.router),
    "openai_compat": ("/openai_compat/v1", openai_compat.router),
    "zhipu": ("/zhipu/api", zhipu.router),
    "minimax": ("/minimax", minimax.router),
    "elevenlabs": ("/elevenlabs", elevenlabs.router),
    "fishaudio": ("/fishaudio", fishaudio.router),
    "cartesia": ("/cartesia", cartesia.router),
}


def provider_of(path: str) -> str | None:
    """Every simulator lives under /<provider id>/..."""
    root = path.split("/")[1] if path.count("/") >= 1 else ""
    return root if root in SIMULATORS else None


def create_app(state: SandboxState | None = None, warm: bool = True) -> FastAPI:
    """`warm=False`: the caller starts voice_match.warm_in_background() itself, when it suits it (app.py:
    after start-up, which the warm-up's ~0.7 s of CPU in a thread of the same process would slow)."""
    state = state or SandboxState()
    app = FastAPI(title="Voice Clone Playground sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sandbox = state
    app.include_router(control_router(state))
    for _, (_, factory) in SIMULATORS.items():
        app.include_router(factory(state))
    app.add_middleware(RecorderMiddleware, state=state, provider_of=provider_of)
    if warm:
        voice_match.warm_in_background()  # the first sandbox clone need not wait for the voice calibration
    return app
