"""What a History re-run sends: the take's value settings, and everything else from the visitor now.

A take (possibly imported from a stranger's archive) is data, never a command: a re-run keeps only
the settings listed for its speak form in presets/library.json ("rerun": text, model, voice, format,
speed, ...). Where the call goes and with what key always come from the visitor's current session
(their key box, their OpenAI-compatible base URL, the default MiniMax region); a stored URL, file
path (a reference clip) or key is never used. `plan` also says, before anything runs, what will be used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from playground import messages, presets
from playground.errors import InputError, PlaygroundError
from playground.library.access import Keys
from playground.library.archive_check import rerun_params

SHOWN = ("model", "voice", "voice_id", "response_format", "audio_format", "speed")


@dataclass
class Plan:
    handler: str
    provider: str
    params: dict
    summary: str


def _where(keys: Keys, provider: str) -> str:
    try:
        target = keys.target(provider)
    except PlaygroundError as exc:
        return f"⚠️ {exc.user_message()}"
    if target.sandbox:
        return "the sandbox (no key needed)"
    return f"your current key at `{target.base_url}`"


def plan(row: dict, keys: Keys) -> Plan:
    spec = presets.load("library")["rerun"].get(row.get("handler") or "")
    if spec is None:
        raise InputError("This take cannot be re-run (it was not made by a speak form).")
    stored = {}
    try:
        stored = json.loads(row.get("params") or "{}")
    except ValueError:
        pass
    params = rerun_params(row["handler"], stored if isinstance(stored, dict) else {}, 20000)
    if not params.get("text"):
        raise InputError("This take has no text to re-run.")
    if params.get("voice_source") == "reference":
        raise InputError(
            "This take used a reference clip, which History does not keep for a re-run.",
            hint="Open the SiliconFlow tab and record or upload the clip again.",
        )
    provider = spec["provider"]
    for name, value in spec["visitor"].items():  # where it goes: the visitor's own settings, now
        params[name] = (keys.openai_base_url or "") if value == "$openai_base_url" else value
    params["api_key"] = keys.of(provider)
    text = params["text"]
    shown = ", ".join(
        f"{messages.label(k.replace('_', ' '))} `{params[k]}`" for k in SHOWN if params.get(k) not in (None, "")
    )
    summary = (
        f"**Re-run #{row['id']} will use**: {provider}, {shown}; "
        f"text “{text[:80]}{'…' if len(text) > 80 else ''}” "
        f"({len(text):,} characters). It goes to {_where(keys, provider)}. Nothing else is taken from the "
        "take: no stored address, file or key. Press **Confirm re-run** to send it."
    )
    return Plan(row["handler"], provider, params, summary)
