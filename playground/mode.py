"""Which mode the app runs in: hosted (a public demo that strangers share: a Space, or
PLAYGROUND_MODE=hosted) or local. `PLAYGROUND_MODE=local` wins over `SPACE_ID`. Read from the
environment at every call. The rules of hosted mode live in hosted.py; this module is what both it
and the client-address rule (visitors.py) need, and imports nothing of the app."""

from __future__ import annotations

import os

HOSTED, LOCAL = "hosted", "local"


def mode() -> str:
    explicit = os.environ.get("PLAYGROUND_MODE", "").strip().lower()
    if explicit in (HOSTED, LOCAL):
        return explicit
    return HOSTED if os.environ.get("SPACE_ID", "").strip() else LOCAL


def is_hosted() -> bool:
    return mode() == HOSTED
