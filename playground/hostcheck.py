"""Local mode answers only to local Host headers: protection against DNS rebinding.

A web page on some other site can make its own host name resolve to 127.0.0.1 and then read
the local playground as if it were that site (using the keys in .env). Such requests carry the
attacker's host name in the Host header, so locally the app answers only to:
localhost, 127.0.0.1, [::1] or any other IP address (rebinding needs a name), with any port;
the configured GRADIO_SERVER_NAME; and the names in PLAYGROUND_ALLOWED_HOSTS (comma-separated,
`*` turns the check off) for people who serve the playground under a name of their own.
Hosted mode (a Space answers to its own public names) does not apply it.
No gradio import: ui/guards.py applies it in front of Gradio's FastAPI app.
"""

from __future__ import annotations

import ipaddress
import os

MESSAGE = (
    b"This playground answers only to local addresses such as http://127.0.0.1:7860 "
    b"(a request for another host name was refused to protect it from DNS rebinding). "
    b"If you serve it under a name of your own, add that name to PLAYGROUND_ALLOWED_HOSTS "
    b"(comma-separated; * turns this check off)."
)


def _host_name(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:7860
        return host[1 : host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        host = host.rsplit(":", 1)[0]
    return host.rstrip(".")


def host_allowed(host_header: str | None) -> bool:
    from playground import hosted

    if host_header is None or hosted.is_hosted():
        return True
    extra = [h.strip().lower() for h in os.environ.get("PLAYGROUND_ALLOWED_HOSTS", "").split(",") if h.strip()]
    if "*" in extra:
        return True
    host = _host_name(host_header)
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    server_name = os.environ.get("GRADIO_SERVER_NAME", "").strip().lower()
    return host in {"localhost", server_name, *extra} - {""}


async def refuse(scope, send) -> None:
    """421 with a short text that says what to do (a WebSocket is closed with policy violation)."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    await send(
        {
            "type": "http.response.start",
            "status": 421,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(MESSAGE)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": MESSAGE})
