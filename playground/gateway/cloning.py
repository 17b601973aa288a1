"""Clone a voice from one sample, whatever the provider's steps (MCP's clone tool).

SiliconFlow: one upload (the uri is the voice). MiniMax and Zhipu: upload the sample, then clone
from its file id. Each step goes through the adapter's own checks, and the voice lands in the
library (playground/library/hooks.py) under the caller's scope, by the name given, so the gateway
and the page can use it by that name.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground import presets, providers
from playground.audio import VoiceSample
from playground.errors import InputError, UnsupportedError
from playground.library.hooks import record_upload, record_voice


@dataclass
class Cloned:
    provider: str
    model: str | None
    name: str
    voice_id: str
    sandbox: bool
    notes: list[str]


async def clone(pid: str, model: str, name: str, sample: VoiceSample, transcript: str, api_key: str | None) -> Cloned:
    name = (name or "").strip()
    if not name:
        raise InputError("Give the new voice a name.")
    adapter = providers.get(pid)
    target = adapter.target(api_key)
    if pid == "siliconflow":
        from playground.providers.siliconflow import SiliconFlowUpload

        text = (transcript or "").strip() or presets.load(pid)["upload_example_text"]["en"]
        result = await adapter.upload_voice(
            SiliconFlowUpload(sample=sample, name=name, text=text, model=model), api_key=api_key
        )
        note = await record_voice(result, target, transcript=text)
    elif pid == "minimax":
        from playground.providers.minimax import MiniMaxClone, MiniMaxUpload
        from playground.providers.minimax_checks import suggest_voice_id, voice_id_problem

        upload = await adapter.upload_voice(MiniMaxUpload(sample=sample), api_key=api_key)
        await record_upload(upload, target)
        voice_id = name if voice_id_problem(name) is None else suggest_voice_id(name)
        result = await adapter.clone_voice(MiniMaxClone(file_id=upload.voice_id, voice_id=voice_id), api_key=api_key)
        note = await record_voice(result, target, transcript=transcript or "", source_file_id=str(upload.voice_id))
    elif pid == "zhipu":
        from playground.providers.zhipu import ZhipuClone, ZhipuUpload

        spec = presets.load(pid)
        upload = await adapter.upload_voice(ZhipuUpload(sample), api_key=api_key)
        await record_upload(upload, target)
        request = ZhipuClone(
            file_id=upload.voice_id,
            voice_name=name,
            input=spec["clone_example"]["input"]["en"],
            model=spec["default_clone_model"],
            text=(transcript or "").strip() or None,
            fetch_preview=False,
        )
        result = await adapter.clone_voice(request, api_key=api_key)
        note = await record_voice(result, target, transcript=transcript or "", source_file_id=str(upload.voice_id))
    else:
        raise UnsupportedError(
            f"{adapter.label} cannot clone a voice through the playground's API.",
            hint="Clone with SiliconFlow, MiniMax or Zhipu.",
        )
    notes = list(result.notes) + ([note.strip(" ·")] if note else [])
    return Cloned(pid, result.model or model, result.name, str(result.voice_id), result.sandbox, notes)
