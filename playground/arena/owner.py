"""Whose Arena data this is: the owner scope of a family (per browser session in hosted mode, the
machine's own locally) and the library scope of one provider's key."""

from __future__ import annotations

from playground import config, providers
from playground.config import Secret, Target
from playground.library import default_store


def owner_scope() -> str:
    """A salted hash, like every library scope: the sandbox key of this session names the owner
    (locally one key for the machine; hosted, one per browser session)."""
    return default_store().scope(Target("arena", "arena", Secret(config.sandbox_key()), sandbox=True))


def provider_scope(provider_id: str, api_key: str | None) -> str:
    return default_store().scope(providers.get(provider_id).target(api_key))
