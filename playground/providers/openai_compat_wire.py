"""What OpenAI and OpenAI-compatible gateways put on the wire, read tolerantly:
error bodies in their many shapes, text where audio should be, and SSE framing."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any


def parse_error(status: int, body: bytes, content_type: str) -> tuple[Any, str | None]:
    """(code, message) of an error body.

    OpenAI: {error:{message,type,param,code}}; gateways also send {error:"..."}, {message},
    {detail} (FastAPI), plain text, or an HTML page (nginx, a web console).
    """
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return None, None
    try:
        doc = json.loads(text)
    except ValueError:
        return None, plain_text(text, content_type)
    if not isinstance(doc, dict):
        return None, str(doc)[:300]
    err = doc.get("error")
    if isinstance(err, dict):
        message = str(err.get("message") or "").strip()
        param = err.get("param")
        if param and str(param) not in message:
            message = f"{message} (param: {param})" if message else f"param: {param}"
        return err.get("code") or err.get("type") or None, message or None
    if isinstance(err, str):
        return doc.get("code"), err
    said = doc.get("message") or doc.get("detail") or doc.get("msg")
    if said is not None and not isinstance(said, str):
        said = json.dumps(said, ensure_ascii=False)[:300]
    return doc.get("code"), said or text[:300]


def plain_text(text: str, content_type: str) -> str:
    """A plain-text or HTML error page, reduced to what it says."""
    if "html" in content_type or text.lstrip().startswith("<"):
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.I | re.S)
        found = title or heading
        said = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1) if found else text)).strip()
        return f"an HTML page: {said[:200]}" if said else "an HTML page"
    return text[:300]


def looks_like_text(data: bytes) -> bool:
    """JSON or HTML where audio should be (headerless PCM never starts like this for long)."""
    head = data[:256].lstrip()
    if head[:1] not in (b"{", b"[", b"<"):
        return False
    text = head.decode("utf-8", "replace")
    return sum(1 for c in text if c.isprintable() or c in "\t\n\r") >= 0.97 * len(text)


async def sse_payloads(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """The data of each server-sent event (multi-line data joined), until [DONE] or the end."""
    data: list[str] = []
    async for line in lines:
        if line.startswith("data:"):
            data.append(line[5:].lstrip())
            continue
        if line.strip() or not data:
            continue  # event:/id:/retry:/comment lines, or blank lines between events
        payload, data = "\n".join(data), []
        if payload == "[DONE]":
            return
        yield payload
    if data and "\n".join(data) != "[DONE]":
        yield "\n".join(data)  # a last event without its closing blank line
