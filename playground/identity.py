"""Who the visitor is, across the pages of one browser: a random visitor id in a cookie the app signs.

Every page is a new Gradio session (a page change is a page load), so the session hash cannot name a
visitor whose library, sandbox and Arena runs must follow them from page to page. The first response
to a browser sets `vcp_visitor` = `<random id>.<HMAC of it>`; every later request (page loads, Gradio's
queue, the take and live routes) carries it, and `visitor_of(cookie header)` gives the id back only if
the signature holds. The cookie holds no key and nothing else; keys stay in the browser (ui/keys.py).

- It is a session cookie (no expiry): closing the browser ends the visitor, as a browser session did.
- Locally (http) it is `SameSite=Lax; HttpOnly`. Hosted (a Space is https, shown inside an iframe on
  huggingface.co, where the cookie is third-party) it is `SameSite=None; Secure; Partitioned`: kept
  per top-level site (CHIPS), so it works inside the embed and tracks nobody across sites.
- Where a browser refuses even that, the Gradio session stands in (one page's worth, as before).
- The signing key is PLAYGROUND_VISITOR_SECRET, else a random file in the data folder (made once),
  so visitors stay who they are across a restart. A client cannot choose an id: a made-up or altered
  cookie is ignored and a fresh one issued.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from contextvars import ContextVar
from pathlib import Path

COOKIE = "vcp_visitor"
SECRET_FILE = "visitor.secret"
_ID_CHARS = 32  # hex: 128 random bits
_lock = threading.Lock()
_secret: bytes | None = None
_current: ContextVar[str | None] = ContextVar("vcp_visitor", default=None)


def _load_secret() -> bytes:
    global _secret
    with _lock:
        if _secret is not None:
            return _secret
        configured = os.environ.get("PLAYGROUND_VISITOR_SECRET", "").strip()
        if configured:
            _secret = hashlib.sha256(configured.encode("utf-8")).digest()
            return _secret
        from playground.library import data_dir

        path = Path(data_dir()) / SECRET_FILE
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            data = b""
        if len(data) < 32:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{SECRET_FILE}.{secrets.token_hex(6)}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, secrets.token_bytes(32))
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)  # another process made it first: theirs wins
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
            data = path.read_bytes()
        _secret = data
        return _secret


def forget_secret() -> None:
    """Tests: read the secret again (after changing PLAYGROUND_VISITOR_SECRET or the data folder)."""
    global _secret
    with _lock:
        _secret = None


def _sign(visitor: str) -> str:
    return hmac.new(_load_secret(), visitor.encode("ascii"), hashlib.sha256).hexdigest()[:32]


def new_cookie_value() -> tuple[str, str]:
    """(visitor id, cookie value) for a browser that has none."""
    visitor = secrets.token_hex(_ID_CHARS // 2)
    return visitor, f"{visitor}.{_sign(visitor)}"


def verify(value: str | None) -> str | None:
    """The visitor id of a cookie value, or None when it is missing, malformed or not ours."""
    if not value or len(value) != _ID_CHARS * 2 + 1:
        return None
    visitor, _, signature = value.partition(".")
    if len(visitor) != _ID_CHARS or not all(c in "0123456789abcdef" for c in visitor):
        return None
    return visitor if hmac.compare_digest(signature, _sign(visitor)) else None


def cookie_value(cookie_header: str | None) -> str | None:
    """Our cookie's value in a Cookie header (the first one, as browsers send the most specific first)."""
    for part in (cookie_header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE:
            return value.strip()
    return None


def visitor_of(cookie_header: str | None) -> str | None:
    return verify(cookie_value(cookie_header))


def set_cookie_header(value: str, *, secure: bool) -> str:
    """The Set-Cookie header: see the module doc for why these attributes."""
    base = f"{COOKIE}={value}; Path=/; HttpOnly"
    return f"{base}; SameSite=None; Secure; Partitioned" if secure else f"{base}; SameSite=Lax"


# -- the request being handled (set by ui/guards.py for every HTTP request) ------------------------
def use(visitor: str | None):
    return _current.set(visitor)


def forget(token) -> None:
    _current.reset(token)


def current() -> str | None:
    """The visitor of the HTTP request being handled, if its cookie held."""
    return _current.get()
