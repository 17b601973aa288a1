"""MiniMax plumbing shared by every operation: regions and GroupId, the base_resp error
envelope (errors often arrive with HTTP 200), the code -> typed error table with the fix
for each code (providers.md 1.6), and key-less downloads of returned links."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from playground import config, errors
from playground.config import Target
from playground.errors import InputError, InvalidResponseError, ProviderError
from playground.http import NOT_JSON, decode_body, request_id_of
from playground.providers.base import Provider

AUDIO_SNIFF = {"mp3": {"mp3"}, "flac": {"flac"}, "wav": {"wav"}}
REGION_CODES = {1004, 2049}
CODE_ERRORS: dict[int, type[errors.ProviderError]] = {
    1000: errors.ServerError,
    1001: errors.ProviderTimeoutError,
    1002: errors.RateLimitError,
    1004: errors.AuthenticationError,
    1008: errors.QuotaError,
    1024: errors.ServerError,
    1026: errors.ContentRejectedError,
    1027: errors.ContentRejectedError,
    1033: errors.ServerError,
    1039: errors.RateLimitError,
    1041: errors.RateLimitError,
    1042: errors.BadRequestError,
    1043: errors.BadRequestError,
    1044: errors.BadRequestError,
    2013: errors.BadRequestError,
    20132: errors.BadRequestError,
    2037: errors.BadRequestError,
    2038: errors.PermissionDeniedError,
    2039: errors.BadRequestError,
    2042: errors.PermissionDeniedError,
    2045: errors.RateLimitError,
    2048: errors.BadRequestError,
    2049: errors.AuthenticationError,
    2056: errors.QuotaError,
    1028: errors.QuotaError,
    1030: errors.QuotaError,
    2061: errors.QuotaError,  # CLI-only mapping: UNCONFIRMED
}
CODE_HINTS: dict[int, str] = {
    1000: "An unknown error on MiniMax's side; try again.",
    1001: "MiniMax timed out; try again, or use a shorter text.",
    1002: "Rate limit reached (about 60 requests a minute): wait a little and try again.",
    1008: "The account balance is too low: top it up in the MiniMax console.",
    1024: "An internal MiniMax error; try again later.",
    1026: "The input was flagged as sensitive: change the text or the audio.",
    1027: "The generated output was flagged as sensitive: change the text.",
    1033: "A MiniMax system or downstream error; try again later.",
    1039: "The token limit was reached: shorten the text or wait.",
    1041: "Too many open connections: wait for running requests to finish.",
    1042: "Over 10 % of the text is invisible or illegal characters: clean the text (paste it as plain text).",
    1043: "The sample did not pass the ASR similarity check: use a clean recording of one speaker.",
    1044: "The prompt clip did not match: its transcript (prompt_text) must be exactly what is said in it.",
    2013: "A parameter is invalid: check the fields named by MiniMax.",
    20132: "The clone sample or the voice_id was rejected: "
    "check the sample (one clear speaker) and the voice_id rules.",
    2037: "The clone source must last 10 s to 5 min: record a longer sample or trim it.",
    2038: "Cloning is disabled for this account: complete real-name / identity verification in the MiniMax console.",
    2039: "This voice_id already exists (or was deleted, which blocks it for good): choose a new voice_id.",
    2042: "This key has no access to that voice_id: check it exists in this account and region "
    "(unused clones expire after 7 days).",
    2045: "The request rate grew too fast: slow down and try again.",
    2048: "The prompt clip must be shorter than 8 s: trim it (the upload can keep its best 7.5 s).",
    2056: "The Token Plan limit is reached: upgrade the plan or wait for it to reset.",
    1028: "A quota or plan limit was reached (code seen in MiniMax's CLI).",
    1030: "A quota or plan limit was reached (code seen in MiniMax's CLI).",
    2061: "This model or feature is not included in the account's plan (code seen in MiniMax's CLI).",
}


class MiniMaxAPI(Provider):
    """Base of the MiniMax adapter: where calls go and how answers are read."""

    ID = "minimax"
    CODE_ERRORS = CODE_ERRORS

    @staticmethod
    def parse_error(status: int, body: bytes, content_type: str) -> tuple[Any, str | None]:
        doc, text = decode_body(body)
        if doc is NOT_JSON:
            return None, text[:300] or None
        base = doc.get("base_resp") if isinstance(doc, dict) else None
        if isinstance(base, dict) and base.get("status_code") not in (None, 0):
            return base.get("status_code"), base.get("status_msg") or None
        return None, text[:300] or None

    # -- regions and GroupId --------------------------------------------------------------
    def base_url_for(self, region: str | None) -> str:
        regions = self.spec["regions"]
        if region in regions:
            return regions[region]["base_url"]
        if region in (None, "", "env"):
            return config.configured_base_url(self.ID)
        raise InputError(f"Unknown MiniMax region {region!r}.", hint="Choose mainland or global.")

    def region_of(self, base_url: str) -> str:
        """'mainland' / 'global' for the official hosts, 'env' for any other base URL."""
        for name, region in self.spec["regions"].items():
            if base_url.rstrip("/") == region["base_url"]:
                return name
        return "env"

    def default_region(self) -> str:
        return self.region_of(config.configured_base_url(self.ID))

    def region_choices(self) -> list[tuple[str, str]]:
        """The Region radio (presets `ui` "choices_call"): the official hosts, and the configured base
        URL when it is neither."""
        choices = [(r["label"], name) for name, r in self.spec["regions"].items()]
        if self.default_region() == "env":
            choices.append((f"From {self.spec['env_base_url']}", "env"))
        return choices

    def _regional(self, target: Target, region: str | None) -> Target:
        return target if target.sandbox else replace(target, base_url=self.base_url_for(region))

    def _params(self, group_id: str | None) -> dict[str, str] | None:
        """?GroupId= only when one is set (typed, else MINIMAX_GROUP_ID): legacy and optional."""
        gid = (group_id or "").strip() or os.environ.get(self.spec["env_group_id"], "").strip()
        if not gid:
            return None
        if not gid.isascii() or not gid.isalnum():
            raise InputError(
                "The GroupId may contain only letters and digits.",
                hint="Copy it from the MiniMax console (account information), or leave it empty.",
            )
        return {"GroupId": gid}

    def _add_fix(self, exc: ProviderError, region: str | None, target: Target) -> None:
        try:
            code = int(exc.code) if exc.code not in (None, "") else None
        except (TypeError, ValueError):
            return
        if code in REGION_CODES:
            here = self.region_of(target.base_url) if not target.sandbox else (region or "")
            other = {"mainland": "global", "global": "mainland"}.get(here)
            where = self.spec["regions"][other]["label"] if other else "the other region's host"
            exc.hint = (
                f"This key may belong to the other region: switch region to {where} "
                "(a key works only on its own region's host), or check the key."
            )
        elif code in CODE_HINTS:
            wait = getattr(exc, "retry_after_s", None)
            exc.hint = (f"Wait {wait:g} s (Retry-After). " if wait is not None else "") + CODE_HINTS[code]

    @asynccontextmanager
    async def _fixes(self, region: str | None, target: Target):
        try:
            yield
        except ProviderError as exc:
            self._add_fix(exc, region, target)
            raise

    def _checked_doc(self, status: int, body: bytes, headers: Mapping[str, str], target: Target) -> dict[str, Any]:
        """The JSON answer, or the typed error its base_resp holds (HTTP 200 included)."""
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            raise self.transport.error(
                status=status,
                code=None,
                target=target,
                cls=InvalidResponseError,
                provider_message=f"expected JSON, got {body[:80]!r}",
            )
        self._raise_for_base_resp(doc, status, headers, target)
        return doc

    def _raise_for_base_resp(self, doc: Mapping[str, Any], status: int, headers, target: Target) -> None:
        base = doc.get("base_resp")
        if not isinstance(base, dict):
            return
        code = base.get("status_code")
        if code not in (None, 0, "0"):
            raise self.transport.error(
                status=status,
                code=code,
                provider_message=base.get("status_msg"),
                target=target,
                request_id=request_id_of(headers) or doc.get("trace_id"),
            )

    async def _post(
        self, target: Target, path: str, *, region, group_id, idempotent: bool, **kw
    ) -> tuple[dict, str | None]:
        target = self._regional(target, region)
        async with self._fixes(region, target):
            resp, body = await self.transport.request(
                target, "POST", path, idempotent=idempotent, params=self._params(group_id), **kw
            )
            doc = self._checked_doc(resp.status_code, body, resp.headers, target)
        return doc, request_id_of(resp.headers) or doc.get("trace_id")

    async def download(self, target: Target, url: object) -> bytes:
        """A link MiniMax returned (demo_audio, output_format=url): fetched WITHOUT the key."""
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise self._invalid(target, f"expected an audio link, got {str(url)[:80]!r}")
        limit = int(self.spec["limits"]["download_max_bytes"])
        chunks, total = [], 0
        async with self.transport.stream(target, "GET", url, idempotent=True, auth=False, link=True) as resp:
            async for chunk in resp.aiter_bytes():
                total += len(chunk)
                if total > limit:
                    raise self.transport.error(
                        status=resp.status_code,
                        code=None,
                        target=target,
                        cls=InvalidResponseError,
                        provider_message="the audio link is too large",
                    )
                chunks.append(chunk)
        return b"".join(chunks)

    # -- speech --------------------------------------------------------------------------------
    def _check_model(self, model: str) -> None:
        if model not in self.spec["models"]:
            raise InputError(
                f"Unknown MiniMax model {model!r}.", hint=f"Choose one of: {', '.join(self.spec['models'])}."
            )

    def _check_language(self, language: str | None) -> None:
        if language and language not in self.spec["language_boost"]:
            raise InputError(f"Unknown language_boost {language!r}.", hint="Use auto or a language from the list.")

    def _choice(self, value: Any, allowed: list, name: str) -> Any:
        try:
            value = type(allowed[0])(value)
        except (TypeError, ValueError):
            pass
        if value not in allowed:
            raise InputError(
                f"{name} {value!r} is not supported by MiniMax.", hint=f"Choose one of: {', '.join(map(str, allowed))}."
            )
        return value

    def _hex(self, value: Any, target: Target) -> bytes:
        try:
            return bytes.fromhex(value or "")
        except (TypeError, ValueError):
            raise self._invalid(target, f"data.audio is not hex: {str(value)[:60]!r}") from None

    def _check_audio(self, data: bytes, fmt: str, target: Target) -> None:
        # pcm: headerless, only "not text" is checked
        self._check_container(data, fmt, AUDIO_SNIFF, target, empty="no audio in the answer")
