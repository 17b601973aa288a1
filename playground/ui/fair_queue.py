"""A fair queue for a shared server: provider calls are I/O-bound, so each provider's events run
concurrently up to a per-provider limit (PLAYGROUND_PROVIDER_CONCURRENCY, default 32) in one
concurrency group per provider; Gradio shows each waiting user their place in the queue.
Requests time out in the transport (config.READ_TIMEOUT_S); forms have a Cancel button.
Also tells hosted.py how to name the session of the request being handled.
"""

from __future__ import annotations

import os

import gradio as gr
from gradio.context import LocalContext

from playground import hosted, identity, visitors

DEFAULT_LIMIT = 32  # calls to one provider at a time; the queue's default_concurrency_limit matches it
ALIASES = {"openai": "openai_compat"}  # api_name prefixes that are not a provider id


def provider_limit() -> int:
    try:
        return max(1, int(os.environ.get("PLAYGROUND_PROVIDER_CONCURRENCY", str(DEFAULT_LIMIT))))
    except ValueError:
        return DEFAULT_LIMIT


def provider_of(api_name: str | None) -> str | None:
    """The provider an endpoint calls, by its `<provider id>_` prefix (longest id first)."""
    from playground.providers import PROVIDERS

    name = api_name or ""
    for prefix in sorted([*PROVIDERS, *ALIASES], key=len, reverse=True):
        if name.startswith(prefix + "_"):
            return ALIASES.get(prefix, prefix)
    return None


def apply_provider_limits(demo: gr.Blocks) -> gr.Blocks:
    """Group every queued event that calls a provider under `{provider}-calls` with the provider limit."""
    limit = provider_limit()
    for fn in demo.fns.values():
        if fn.fn is None or not fn.queue:
            continue
        provider = provider_of(fn.api_name)
        if provider is None and str(fn.concurrency_id).endswith("-calls"):  # the key panel's test button
            provider = str(fn.concurrency_id)[: -len("-calls")]
        if provider is not None:
            fn.concurrency_id = f"{provider}-calls"
            fn.concurrency_limit = limit
    return demo


def _visitor() -> str | None:
    """Who is asking (playground/identity.py): the signed visitor cookie of the event's own request
    (Gradio's queue runs events in tasks started inside some other request), then the HTTP request
    being handled; without the cookie (a browser refusing it, gradio_client), the Gradio session."""
    request = LocalContext.request.get(None)
    if request is not None:
        headers = getattr(request, "headers", None) or {}
        visitor = identity.visitor_of(headers.get("cookie"))
        if visitor is not None:
            return f"visitor:{visitor}"
    visitor = identity.current()
    if visitor is not None:
        return f"visitor:{visitor}"
    return getattr(request, "session_hash", None) if request is not None else None


def _gradio_client() -> str | None:
    """The client address of the event being handled (X-Forwarded-For as visitors.py says, or the peer)."""
    request = LocalContext.request.get(None)
    if request is None:
        return None
    peer = getattr(getattr(request, "client", None), "host", None)
    return visitors.client_from_headers(getattr(request, "headers", None) or {}, peer)


def register_session_lookup() -> None:
    hosted.use_session_lookup(_visitor)
    visitors.use_client_lookup(_gradio_client)  # limits keyed on what a visitor cannot rotate


def build_cancel_button(elem_id: str) -> gr.Button:
    return gr.Button("Cancel", size="sm", variant="secondary", elem_id=elem_id)


def wire_cancel(button: gr.Button, *events) -> None:
    """The button stops the given running events (their generators are closed, the HTTP call aborted)."""
    button.click(None, None, None, cancels=list(events), api_visibility="private", queue=False)
