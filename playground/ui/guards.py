"""What stands in front of Gradio's app: the local Host check, the visitor's address, and a session
store that gives each client address its share.

`VisitorMiddleware` (installed by layout.launch_kwargs through FastAPI's `middleware=`):
- local mode: refuses a request for a non-local Host (playground/hostcheck.py: DNS rebinding);
- names the request's client address (playground/visitors.py) for the code it runs;
- names the visitor (playground/identity.py): the signed `vcp_visitor` cookie, or a new one it sets;
- on the first request, swaps Gradio's session store for `ClientStateHolder` (no session exists yet).

Gradio keeps every browser session's state up to `state_session_capacity` (PLAYGROUND_MAX_SESSIONS)
and, past it, drops the least recently used one: 510 requests with fresh session hashes used to
drop a real visitor's state. Here each session belongs to the client address that opened it;
in hosted mode one address keeps at most PLAYGROUND_SESSIONS_PER_CLIENT (20) live sessions (a new one
drops that address's own oldest), and past the total capacity the session dropped is the oldest of the
address holding the most, so one address rotating session hashes only ever evicts itself.
"""

from __future__ import annotations

import os
from collections import OrderedDict

from gradio.state_holder import StateHolder

from playground import hostcheck, hosted, identity, visitors

SESSIONS_PER_CLIENT_DEFAULT = 20


def sessions_per_client() -> int | None:
    """The live sessions one address keeps in hosted mode; None locally, where every session comes from
    the one machine (or a team's few): a share there made 32 sessions from loopback evict each other,
    and each evicted session's state was built again on its next call."""
    if not hosted.is_hosted():
        return None
    try:
        return max(1, int(os.environ.get("PLAYGROUND_SESSIONS_PER_CLIENT", SESSIONS_PER_CLIENT_DEFAULT)))
    except ValueError:
        return SESSIONS_PER_CLIENT_DEFAULT


class ClientStateHolder(StateHolder):
    """Gradio's StateHolder with a per-client-address share (see the module doc)."""

    def __init__(self) -> None:
        super().__init__()
        self.owner: dict[str, str] = {}
        self.sessions_of: dict[str, OrderedDict] = {}

    def _drop(self, session_id: str) -> None:
        self.session_data.pop(session_id, None)
        self.time_last_used.pop(session_id, None)
        client = self.owner.pop(session_id, None)
        if client is not None:
            mine = self.sessions_of.get(client)
            if mine is not None:
                mine.pop(session_id, None)
                if not mine:
                    del self.sessions_of[client]

    def __getitem__(self, session_id: str):
        with self.lock:
            if session_id not in self.session_data:
                client = visitors.client_id()
                mine = self.sessions_of.setdefault(client, OrderedDict())
                share = sessions_per_client()
                while share is not None and len(mine) >= share:
                    self._drop(next(iter(mine)))
                    mine = self.sessions_of.setdefault(client, OrderedDict())
                self.owner[session_id] = client
                mine[session_id] = True
            else:
                owner = self.owner.get(session_id)
                if owner in self.sessions_of:
                    self.sessions_of[owner].move_to_end(session_id, last=True)
        return super().__getitem__(session_id)

    def update(self, session_id: str) -> None:
        with self.lock:
            if session_id in self.session_data:
                self.session_data.move_to_end(session_id)
            while len(self.session_data) > self.capacity:
                biggest = max(self.sessions_of.values(), key=len, default=None)
                victim = next(iter(biggest)) if biggest else next(iter(self.session_data))
                if victim == session_id and len(self.session_data) > 1:
                    victim = next(s for s in self.session_data if s != session_id)
                self._drop(victim)

    @classmethod
    def replacing(cls, old: StateHolder) -> ClientStateHolder:
        new = cls()
        new.capacity = old.capacity
        if hasattr(old, "blocks"):
            new.set_blocks(old.blocks)
        with old.lock:
            for session_id, state in old.session_data.items():
                new.session_data[session_id] = state
                new.owner[session_id] = "unknown"
                new.sessions_of.setdefault("unknown", OrderedDict())[session_id] = True
            new.time_last_used.update(old.time_last_used)
        return new


def install_state_holder(app) -> None:
    if app is not None and hasattr(app, "state_holder") and not isinstance(app.state_holder, ClientStateHolder):
        app.state_holder = ClientStateHolder.replacing(app.state_holder)


class VisitorMiddleware:
    """Pure ASGI: Host check (local mode), the client address, the session store (see the module doc)."""

    def __init__(self, app) -> None:
        self.app = app
        self.installed = False

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        if not self.installed:
            install_state_holder(scope.get("app"))
            self.installed = True
        headers = scope.get("headers", [])
        host = next((v.decode("latin-1") for k, v in headers if k == b"host"), None)
        if not hostcheck.host_allowed(host):
            return await hostcheck.refuse(scope, send)
        peer = (scope.get("client") or (None,))[0]
        token = visitors.use_client(visitors.client_from_headers(headers, peer))
        cookies = "; ".join(v.decode("latin-1") for k, v in headers if k == b"cookie")
        visitor = identity.visitor_of(cookies)
        issued = None
        if visitor is None and scope["type"] == "http" and _is_page_or_config(scope):
            # a browser's first page (or a gradio_client's /config): a visitor from its next request on;
            # API calls (/v1, the queue) are never handed one
            _, issued = identity.new_cookie_value()
        who = identity.use(visitor)
        if issued is not None:
            set_cookie = identity.set_cookie_header(issued, secure=_is_secure(scope, headers)).encode("latin-1")

            async def send_with_cookie(message):
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", set_cookie)]}
                await send(message)

            target = send_with_cookie
        else:
            target = send
        try:
            await self.app(scope, receive, target)
        finally:
            identity.forget(who)
            visitors.forget_client(token)


def _is_page_or_config(scope) -> bool:
    from playground.ui import page_cache

    cache = page_cache.CACHE
    path = scope.get("path", "")
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    return scope.get("method") in ("GET", "HEAD") and cache is not None and path in cache.paths


def _is_secure(scope, headers) -> bool:
    """Third-party-safe cookie attributes when hosted (a Space is https, inside an iframe) or on https."""
    if hosted.is_hosted() or scope.get("scheme") == "https":
        return True
    proto = next((v.decode("latin-1") for k, v in headers if k == b"x-forwarded-proto"), "")
    return proto.split(",")[0].strip().lower() == "https"
