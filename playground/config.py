"""Settings from the environment (and a .env file), and where each call goes.

Nothing here runs at import. `load_env()` is called once by app.py. Keys are read
lazily, per call, and wrapped in `Secret` so they never show up in a repr or a log.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

from playground import presets

CONNECT_TIMEOUT_S = float(os.environ.get("PLAYGROUND_CONNECT_TIMEOUT_S", "10"))
READ_TIMEOUT_S = float(os.environ.get("PLAYGROUND_READ_TIMEOUT_S", "120"))
# How long our servers (the app's, the sandbox's) keep an idle keep-alive connection open. uvicorn's
# default, 5 s, equals httpx's own keep-alive expiry (the openai SDK's too): a client then reuses a
# pooled connection at about the moment the server closes it, and under a burst some requests meet a
# reset (httpx.ReadError, the SDK's APIConnectionError). Longer than the clients' expiry, the closing
# is always the client's, which never races.
KEEP_ALIVE_S = 30
MAX_RETRIES = int(os.environ.get("PLAYGROUND_MAX_RETRIES", "2"))
RETRY_BASE_S = float(os.environ.get("PLAYGROUND_RETRY_BASE_S", "0.5"))
MAX_RETRY_AFTER_S = float(os.environ.get("PLAYGROUND_MAX_RETRY_AFTER_S", "20"))
# One provider answer may be at most this large (counted while it streams), and one call (retries
# included) may take at most this long in total: a slow-drip server cannot hold a slot for good.
MAX_RESPONSE_MB = float(os.environ.get("PLAYGROUND_MAX_RESPONSE_MB", "64"))
CALL_TIMEOUT_S = float(os.environ.get("PLAYGROUND_CALL_TIMEOUT_S", "300"))


def load_env() -> None:
    """Read .env into the process environment (existing variables win)."""
    from dotenv import load_dotenv

    load_dotenv(override=False)


class Secret:
    """An API key that does not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('****')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


# Sandbox base URLs by provider id, set by playground.sandbox.server when it starts.
_sandbox_urls: dict[str, str] = {}
SANDBOX_KEY = "sandbox-key"


def register_sandbox(provider_id: str, base_url: str) -> None:
    _sandbox_urls[provider_id] = base_url


def sandbox_url(provider_id: str) -> str | None:
    return _sandbox_urls.get(provider_id)


@dataclass(frozen=True)
class Target:
    """Where one call goes: base URL, key, and whether it is the simulator."""

    provider_id: str
    base_url: str
    key: Secret = field(repr=False)
    sandbox: bool
    typed: bool = False  # a base URL the visitor typed (never gets PLAYGROUND_ALLOW_PRIVATE_TARGETS)


def env_key(provider_id: str) -> str:
    spec = presets.load(provider_id)
    return os.environ.get(spec["env_key"], "").strip()


def configured_base_url(provider_id: str) -> str:
    spec = presets.load(provider_id)
    return (os.environ.get(spec["env_base_url"], "").strip() or spec["default_base_url"]).rstrip("/")


def is_sandbox(provider_id: str, typed_key: str | None = None) -> bool:
    """A provider runs against its simulator when no key is typed or configured (and usable: hosted.py)."""
    from playground import hosted

    return not ((typed_key or "").strip() or (env_key(provider_id) and hosted.server_keys() != "off"))


def check_key(key: str, *, typed: bool = True) -> str:
    """A key travels in an HTTP header: it may hold printable ASCII only. Anything else (a curly quote,
    a full-width letter, a line break pasted with it) is refused here, with words, before any call.
    The key itself never appears in the message."""
    from playground.errors import InputError

    bad = next((c for c in key if not (32 <= ord(c) < 127)), None)
    if bad is None:
        return key
    hint = (
        "Copy the key again from the provider's console and paste it alone."
        if typed
        else "Fix the key in the server's environment (.env or the Space's secrets)."
    )
    if ord(bad) >= 127:
        raise InputError(
            "The API key has a character an API key cannot have: a non-ASCII character (such as a curly quote, "
            "a full-width letter or an accented letter).",
            hint=hint,
        )
    raise InputError(
        "The API key has a character an API key cannot have: a control character (such as a line break or a tab).",
        hint=hint,
    )


def resolve_target(provider_id: str, typed_key: str | None = None) -> Target:
    """The typed key (this session only) wins, then the environment, then the sandbox.
    Hosted (hosted.py): the environment's key only if the owner opted in, within the demo caps.
    A key with characters a key cannot have is refused here (check_key)."""
    from playground import hosted

    key = check_key((typed_key or "").strip())
    if not key and env_key(provider_id) and hosted.server_key_allowed(provider_id):
        key = check_key(env_key(provider_id), typed=False)
    if key:
        return Target(provider_id, configured_base_url(provider_id), Secret(key), sandbox=False)
    url = sandbox_url(provider_id)
    if url is None:
        from playground.errors import MissingKeyError

        spec = presets.load(provider_id)
        raise MissingKeyError(
            f"No API key for {spec['label']} and the sandbox is not running.",
            hint=f"Set {spec['env_key']} in .env or paste a key in the tab.",
        )
    return Target(provider_id, url.rstrip("/"), Secret(sandbox_key()), sandbox=True)


def sandbox_key() -> str:
    """The key sandbox calls carry. Locally one key (the sandbox is yours); hosted, one per browser
    session, so strangers sharing a Space never see each other's sandbox voices or files."""
    from playground import hosted

    if not hosted.is_hosted():
        return SANDBOX_KEY
    session = hosted.session_id()
    return f"{SANDBOX_KEY}-{hashlib.sha256(session.encode('utf-8')).hexdigest()[:20]}"
