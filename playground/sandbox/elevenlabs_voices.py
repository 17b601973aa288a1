"""The ElevenLabs simulator's voice routes (list, get, delete, models) and Scribe speech to text,
with the per-key voice store they share with the clone and speech routes (sandbox/elevenlabs.py)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from playground.sandbox import asr
from playground.sandbox.control import SandboxState
from playground.sandbox.elevenlabs_rules import bad, boolean, enum, integer, invalid_field, only_query

PREFIX = "/elevenlabs"
LIST_QUERY = {
    "next_page_token",
    "page_size",
    "search",
    "sort",
    "sort_direction",
    "voice_type",
    "category",
    "fine_tuning_state",
    "collection_id",
    "include_total_count",
    "voice_ids",
}
STT_FIELDS = {
    "model_id",
    "language_code",
    "tag_audio_events",
    "timestamps_granularity",
    "diarize",
    "num_speakers",
    "temperature",
    "seed",
    "source_url",
    "cloud_storage_url",
}


class VoiceStore:
    """Each key's cloned voices, beside the premade ones of the presets."""

    def __init__(self, state: SandboxState, spec: dict) -> None:
        self.state, self.spec = state, spec
        self.system: dict[str, str] = spec["system_voices"]

    def of(self, key: str) -> dict:
        return self.state.scoped("elevenlabs_voices", key)

    def doc(self, vid: str, entry: dict | None) -> dict:
        """The `Voice` object (providers-more.md 1.3) of a premade voice (entry None) or a clone."""
        if entry is None:
            return {
                "voice_id": vid,
                "name": self.system[vid],
                "category": "premade",
                "labels": {},
                "description": None,
                "preview_url": None,
                "is_owner": False,
                "is_legacy": False,
                "created_at_unix": 1700000000,
            }
        return {
            k: entry[k]
            for k in ("voice_id", "name", "category", "labels", "description", "created_at_unix", "is_owner", "samples")
        } | {"preview_url": None, "is_legacy": False}

    def known(self, key: str, vid: str) -> None:
        """voice_not_found: 400 in the older pages, 404 in a 3P test (the preset's first is answered)."""
        if vid not in self.system and vid not in self.of(key):
            status = int(self.spec["voice_not_found_status"][0])
            raise bad(status, "voice_not_found", f"A voice with the voice_id {vid} was not found.")


def add_routes(api: APIRouter, route: Callable[[str], Callable], store: VoiceStore) -> None:
    spec, models = store.spec, store.spec["models"]

    # -- voices --------------------------------------------------------------------------------------------
    @api.get(f"{PREFIX}/v2/voices")
    @route("list")
    async def list_voices(request: Request, key: str, fault):
        only_query(request, LIST_QUERY)
        q, lim = request.query_params, spec["voices"]
        size = integer(q.get("page_size", "10"), ["query", "page_size"], *lim["page_size"])
        for name in ("sort", "sort_direction", "voice_type", "category"):
            if name in q:
                enum(q[name], lim[name], ["query", name])
        mine = [store.doc(v, e) for v, e in list(store.of(key).items())]
        premade = [store.doc(v, None) for v in store.system]
        kind = q.get("voice_type")
        items = {
            "personal": mine,
            "workspace": mine,
            "saved": mine,
            "non-default": mine,
            "default": premade,
            "community": [],
        }.get(kind or "", premade + mine)
        if "category" in q:
            items = [v for v in items if v["category"] == q["category"]]
        if q.get("search"):
            items = [v for v in items if q["search"].lower() in v["name"].lower()]
        ids = q.getlist("voice_ids")
        if len(ids) > lim["max_voice_ids"]:
            raise invalid_field(["query", "voice_ids"], "List should have at most 100 items", "too_long")
        if ids:
            items = [v for v in items if v["voice_id"] in ids]
        if "sort" in q:
            items.sort(
                key=lambda v: v[q["sort"]] if q["sort"] == "created_at_unix" else v["name"].lower(),
                reverse=q.get("sort_direction", "desc") == "desc",
            )
        start = 0
        if q.get("next_page_token"):
            try:
                start = int(base64.urlsafe_b64decode(q["next_page_token"].encode()).decode().split(":")[1])
            except (ValueError, IndexError):
                raise bad(400, "invalid_parameters", "Invalid next_page_token.", param="next_page_token") from None
        page = items[start : start + size]
        more = start + size < len(items)
        token = base64.urlsafe_b64encode(f"offset:{start + size}".encode()).decode() if more else None
        return {"voices": page, "has_more": more, "total_count": len(items), "next_page_token": token}

    @api.get(f"{PREFIX}/v1/voices/{{voice_id}}")
    @route("get")
    async def get_voice(request: Request, key: str, fault):
        vid = request.path_params["voice_id"]
        store.known(key, vid)
        return store.doc(vid, store.of(key).get(vid))

    @api.delete(f"{PREFIX}/v1/voices/{{voice_id}}")
    @route("delete")
    async def delete_voice(request: Request, key: str, fault):
        vid = request.path_params["voice_id"]
        if vid in store.system:  # sandbox code: the real refusal is UNCONFIRMED
            raise bad(400, "invalid_parameters", "Premade voices cannot be deleted.", param="voice_id")
        store.known(key, vid)
        store.of(key).pop(vid, None)
        return {"status": "ok"}

    @api.get(f"{PREFIX}/v1/models")
    @route("models")
    async def list_models(request: Request, key: str, fault):
        return [
            {
                "model_id": mid,
                "name": m["label"],
                "can_do_text_to_speech": True,
                "maximum_text_length_per_request": m["max_chars"],
                "token_cost_factor": m["credits_per_char"],
            }
            for mid, m in models.items()
        ]

    # -- speech to text (Scribe) ----------------------------------------------------------------------------
    @api.post(f"{PREFIX}/v1/speech-to-text")
    @route("transcribe")
    async def speech_to_text(request: Request, key: str, fault):
        only_query(request, {"enable_logging"})
        asr_spec = spec["clinic"]["asr"]
        try:
            got = await asr.read_form(
                request,
                STT_FIELDS,
                max_bytes=int(asr_spec["max_bytes"]),
                max_duration_s=float(asr_spec["max_duration_s"]),
                formats=None,
            )
        except asr.AsrInvalid as exc:
            raise bad(400, "invalid_parameters", exc.message, param=exc.param or "file") from None
        f = got.fields
        if "source_url" in f or "cloud_storage_url" in f:
            raise bad(400, "invalid_parameters", "Send exactly one of file and source_url.", param="source_url")
        if "model_id" not in f:
            raise invalid_field(["body", "model_id"], "Field required", "missing")
        enum(f["model_id"], asr_spec["models"], ["body", "model_id"])
        if "timestamps_granularity" in f:
            enum(f["timestamps_granularity"], asr_spec["timestamps_granularity"], ["body", "timestamps_granularity"])
        if "num_speakers" in f:
            integer(f["num_speakers"], ["body", "num_speakers"], 1, 32)
        for name in ("tag_audio_events", "diarize"):
            if name in f:
                boolean(f[name], ["body", name])
        transcript = asr.transcript_for(got.audio)
        words, t = [], 0.0
        for word in transcript.split():
            words.append(
                {
                    "text": word,
                    "start": round(t, 2),
                    "end": round(t + 0.3, 2),
                    "type": "word",
                    "speaker_id": None,
                    "logprob": -0.1,
                }
            )
            t += 0.4
        return JSONResponse(
            {
                "language_code": f.get("language_code") or "eng",
                "language_probability": 0.98,
                "text": transcript,
                "words": words,
                "transcription_id": secrets.token_hex(10),
                "audio_duration_secs": round(got.duration_s, 2),
            }
        )
