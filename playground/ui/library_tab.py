"""The "Voice library" tab: every voice made here and every take (History), per account.

Handlers are thin: keys in (what this browser tab holds, typed on the provider pages: ui/keys.py),
one library call, UI values out. Public endpoints: library_voices, library_history, library_sync.
Audio goes to players as bytes and to downloads through gr.File, one folder per request.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from pathlib import Path
from typing import Any

import gradio as gr

from playground import cpu, downloads, messages, providers
from playground.audio import decode, encode
from playground.errors import InputError
from playground.library import archive, default_store, rerun
from playground.library.access import (
    TAKE_HEADERS,
    VOICE_HEADERS,
    Keys,
    describe_voice,
    scopes_for,
    sync,
    take_rows,
    voice_rows,
    when,
)
from playground.ui import families_ui
from playground.ui.common import slug, step_tabs, ui_errors
from playground.ui.event_args import EventOptions, EventSpec

DOWNLOAD_FORMATS = [("as made", "original"), ("mp3", "mp3"), ("wav", "wav"), ("opus", "opus")]


def _keys(siliconflow_key, minimax_key, zhipu_key, openai_base_url, openai_key) -> Keys:
    return Keys(
        siliconflow=siliconflow_key or "",
        minimax=minimax_key or "",
        zhipu=zhipu_key or "",
        openai_compat=openai_key or "",
        openai_base_url=openai_base_url or "",
    )


def _scopes(*keys) -> list[str]:
    """The scopes these keys give, and the visitor's Arena scope (its takes are kept there)."""
    from playground.arena.owner import owner_scope

    return [*scopes_for(default_store(), _keys(*keys)).values(), owner_scope()]


def _entry(entry) -> int:
    try:
        return int(str(entry or "").strip().lstrip("#"))
    except ValueError:
        raise InputError("Choose an entry first.") from None


def _voice(entry, keys) -> dict:
    row = default_store().voice(_entry(entry), _scopes(*keys))
    if row is None:
        raise InputError("That voice is not in the library of the keys you hold.", hint="Refresh the list.")
    return row


def _take(entry, keys) -> dict:
    row = default_store().take(_entry(entry), _scopes(*keys))
    if row is None:
        raise InputError("That take is not in the history of the keys you hold.", hint="Refresh the list.")
    return row


def _file(name: str, data: bytes) -> str:
    """A download of this request only, under a name that says what it is."""
    return downloads.write("library", name, data)


# -- voices: handlers (= API endpoints) --------------------------------------------------------
@ui_errors
async def library_voices(siliconflow_key, minimax_key, zhipu_key, openai_base_url, openai_key):
    """Voices created here with these keys (empty: the configured key or the sandbox). Rows:
    [entry, provider, name, voice id, model, created, last used, status, note, sync]."""
    store = default_store()
    return voice_rows(store.voices(_scopes(siliconflow_key, minimax_key, zhipu_key, openai_base_url, openai_key)))


@ui_errors
async def library_sync(siliconflow_key, minimax_key, zhipu_key, openai_base_url, openai_key):
    """The library merged with each provider's own voice list; the sync column says 'both',
    'local only' or 'remote only'. Returns the rows and a summary."""
    keys = _keys(siliconflow_key, minimax_key, zhipu_key, openai_base_url, openai_key)
    rows, notes = await sync(default_store(), keys)
    counts = {m: sum(1 for r in rows if r[-1] == m) for m in ("both", "local only", "remote only")}
    info = " · ".join(f"{n} {m}" for m, n in counts.items())
    rows = [[*r[:-1], messages.translate(r[-1])] for r in rows]  # the mark, in the page's language
    return rows, "**Synced**: " + info + "".join(f"\n\n⚠️ {n}" for n in notes)


@ui_errors
async def _on_pick_voice(entry, *keys):
    if not entry:
        return "", "", None, None, ""
    row = _voice(entry, keys)
    store = default_store()
    return (
        row["name"],
        row["note"],
        store.read_file(row["sample_path"]),
        store.read_file(row["preview_path"]),
        describe_voice(row),
    )


@ui_errors
async def _on_save_voice(entry, name, note, *keys):
    row = _voice(entry, keys)
    default_store().edit_voice(row["id"], _scopes(*keys), name=(name or "").strip() or row["name"], note=note or "")
    return f"**Saved** #{row['id']}."


@ui_errors
async def _on_delete_voice(entry, at_provider, *keys):
    row = _voice(entry, keys)
    done = ""
    if at_provider:
        adapter = providers.get(row["provider"])
        kw = {"voice_type": "voice_cloning"} if row["provider"] == "minimax" else {}
        answer = await adapter.delete_voice(row["voice_id"], api_key=_keys(*keys).of(row["provider"]) or None, **kw)
        done = f" and at {adapter.label} ({answer})"
    default_store().delete_voice(row["id"], _scopes(*keys))
    return f"**Deleted** `{row['voice_id']}` from the library{done}."


# -- history: handlers ---------------------------------------------------------------------------
@ui_errors
async def library_history(siliconflow_key, minimax_key, zhipu_key, openai_base_url, openai_key):
    """Takes made with these keys and in the Arena, newest first. Rows: [entry, time, provider, voice, model,
    format, audio, text]; 'evicted (cap)' means the audio went to keep the history under its size cap."""
    store = default_store()
    return take_rows(store.takes(_scopes(siliconflow_key, minimax_key, zhipu_key, openai_base_url, openai_key)))


@ui_errors
async def _on_history(family, *keys):
    """The History as the page shows it: every take, or one Arena family's (the filter above the table)."""
    return take_rows(families_ui.only_family(default_store().takes(_scopes(*keys)), family))


@ui_errors
async def _on_pick_take(entry, *keys):
    if not entry:
        return None, ""
    row = _take(entry, keys)
    audio = default_store().read_file(row["audio_path"])
    info = (
        f"#{row['id']} · {when(row['created_at'])} · {row['provider']} · voice `{row['voice']}` · "
        f"{row['model'] or ''} · {row['format']}" + ("" if audio else " · audio evicted by the history cap")
    )
    return audio, info


@ui_errors
async def _on_download_take(entry, fmt, *keys):
    row = _take(entry, keys)
    data = default_store().read_file(row["audio_path"])
    if data is None:
        raise InputError("This take's audio was evicted to keep the history under its size cap.")
    ext = row["format"]
    if fmt and fmt != "original" and fmt != ext:
        data = await cpu.run(lambda: encode(decode(data), fmt))  # a conversion: the CPU pool, metered
        ext = fmt
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(row["created_at"]))
    return _file(f"{row['provider']}-{slug(row['voice'] or 'voice')}-{stamp}.{ext}", data)


def _speak_handlers() -> dict:
    from playground.ui.tabs import TABS, speak_handler

    built = [speak_handler(t.pid) for t in TABS]  # every tab is made by ui/tab_builder.py
    return {f.__name__: f for f in built}


@ui_errors
async def _on_rerun_preview(entry, *keys):
    """What a re-run would send, shown before anything is sent (then the confirm button appears)."""
    plan = rerun.plan(_take(entry, keys), _keys(*keys))
    return plan.summary, gr.update(visible=True)


@ui_errors
async def _on_rerun_take(entry, *keys):
    """Run the same speak handler again: the take's value settings only (rerun.py), with the key,
    base URL and region you hold now; a stored URL, path or key is never used."""
    row = _take(entry, keys)
    plan = rerun.plan(row, _keys(*keys))
    fn = _speak_handlers().get(plan.handler)
    if fn is None:
        raise InputError("This take cannot be re-run (it was not made by a speak form).")
    accepted = inspect.signature(fn).parameters
    last = None
    async for item in fn(**{k: v for k, v in plan.params.items() if k in accepted}):
        last = item
    if not last:
        raise InputError("The re-run returned no audio.")
    return last[0], f"**Re-run** of #{row['id']} done: it is the newest take in the list."


@ui_errors
async def _on_delete_take(entry, *keys):
    row = _take(entry, keys)
    default_store().delete_take(row["id"], _scopes(*keys))
    return f"**Deleted** take #{row['id']}."


@ui_errors
async def _on_clear_history(*keys):
    n = default_store().clear_takes(_scopes(*keys))
    return f"**Cleared** {n} takes."


# -- export / import ---------------------------------------------------------------------------------
@ui_errors
async def _on_export(*keys):
    data = await asyncio.to_thread(archive.export_bytes, default_store(), _scopes(*keys))
    return _file(f"voice-library-{time.strftime('%Y%m%d-%H%M%S')}.zip", data)


@ui_errors
async def _on_import(file, *keys):
    if not file:
        raise InputError("Choose a library export (.zip) first.")
    path = Path(file if isinstance(file, str) else file.get("path"))  # opened as a zip, never read whole
    scope_for = scopes_for(default_store(), _keys(*keys))
    voices, takes = await asyncio.to_thread(archive.import_bytes, default_store(), path, scope_for)
    return f"**Imported** {voices} voices and {takes} takes into the accounts of the keys you hold."


# -- "use it": open the provider's page with the voice selected in its speak form ----------------------
USE_STORAGE = "vcp-use"  # sessionStorage: what the provider page picks up on load (pages/provider.py)


@ui_errors
async def _on_use(entry, *keys):
    """Where to go and what to select there, as JSON for the browser (nothing of the keys in it)."""
    import json

    from playground.ui.pages import page_of_provider

    row = _voice(entry, keys)
    page = page_of_provider(row["provider"])
    if page is None:
        raise InputError(f"There is no speak form for {row['provider']} on this page.")
    return json.dumps(
        {"provider": row["provider"], "href": page.href, "voice": row["voice_id"], "model": row["model"] or ""}
    )


_GO_JS = f"""(target) => {{
  if (!target) return [];
  try {{
    const t = JSON.parse(target); sessionStorage.setItem('{USE_STORAGE}', target); window.location.href = t.href;
  }} catch (e) {{}}
  return [];
}}"""


# -- layout ----------------------------------------------------------------------------------------
def _key_inputs() -> tuple[list, Any]:
    """Invisible key boxes (and the OpenAI base URL), in the endpoints' parameter order, filled on load
    with what this browser tab holds (ui/keys.py); and that load event, to chain the first refresh."""
    from playground.ui import keys as key_store

    (sf, mm, zp, oa, base_url), load = key_store.build_hidden_keys(
        ["siliconflow", "minimax", "zhipu", "openai_compat"], values=("vcp-url-openai_compat",)
    )
    return [sf, mm, zp, base_url, oa], load


def _choices(rows, current, kind: str):
    choices = [
        (
            f"#{r[0]} · {r[2]} · {r[1]} · {r[3]}"
            if kind == "voice"
            else f"#{r[0]} · {r[1]} · {r[2]} · {r[3]} · {r[7][:40]}",
            str(r[0]),
        )
        for r in (rows or [])
        if r and r[0]
    ]
    values = [c[1] for c in choices]
    return gr.update(choices=choices, value=current if current in values else (values[0] if values else None))


def build_library_tab() -> None:
    keys, keys_loaded = _key_inputs()
    private: EventOptions = {"api_visibility": "private"}
    private_now: EventOptions = {"api_visibility": "private", "queue": False}  # UI-only updates skip the queue
    with step_tabs(elem_id="lib-tabs"):
        with gr.Tab("Voices", id="lib-voices-tab") as voices_tab:
            gr.Markdown(
                "Every voice created in this app, kept for the accounts (keys) you hold. MiniMax deletes a "
                "clone not used in speech within 7 days: its status warns as that nears."
            )
            with gr.Row():
                v_refresh = gr.Button("Refresh", elem_id="lib-voices-refresh", scale=1)
                v_sync = gr.Button("Sync with providers", elem_id="lib-sync-btn", scale=1)
            v_table = gr.Dataframe(
                headers=VOICE_HEADERS, type="array", interactive=False, wrap=True, elem_id="lib-voices-table"
            )
            v_info = gr.Markdown(elem_id="lib-voices-info")
            v_pick = gr.Dropdown([], label="Voice", elem_id="lib-voice-pick")
            v_details = gr.Markdown(elem_id="lib-voice-details")
            with gr.Row():
                v_sample = gr.Audio(label="Sample sent", interactive=False, elem_id="lib-voice-sample")
                v_preview = gr.Audio(label="Preview", interactive=False, elem_id="lib-voice-preview")
            with gr.Row():
                v_name = gr.Textbox(label="Name", elem_id="lib-voice-name")
                v_note = gr.Textbox(label="Note", elem_id="lib-voice-note")
                v_save = gr.Button("Save name and note", elem_id="lib-voice-save")
            with gr.Row():
                v_use = gr.Button("Use it", variant="primary", elem_id="lib-voice-use")
                v_at_provider = gr.Checkbox(False, label="also delete at the provider", elem_id="lib-voice-at-provider")
                v_delete = gr.Button("Delete", variant="stop", elem_id="lib-voice-delete")
            with gr.Accordion("Export / import", open=False):
                with gr.Row():
                    ex_btn = gr.Button("Export library (.zip)", elem_id="lib-export-btn")
                    ex_file = gr.File(label="Export", interactive=False, elem_id="lib-export-file")
                with gr.Row():
                    im_file = gr.File(
                        label="Library export to import",
                        file_types=[".zip"],
                        type="filepath",
                        elem_id="lib-import-file",
                    )
                    im_btn = gr.Button("Import", elem_id="lib-import-btn")
                im_info = gr.Markdown(elem_id="lib-import-info")
        with gr.Tab("History", id="lib-history-tab") as history_tab:
            with gr.Row():
                h_family = gr.Dropdown(
                    [("every take", families_ui.ALL)],
                    value=families_ui.ALL,
                    label="Show",
                    elem_id="lib-history-family",
                    scale=2,
                )
                h_refresh = gr.Button("Refresh", elem_id="lib-history-refresh")
                h_clear = gr.Button("Clear history", variant="stop", elem_id="lib-history-clear")
            h_table = gr.Dataframe(
                headers=TAKE_HEADERS, type="array", interactive=False, wrap=True, elem_id="lib-history-table"
            )
            h_pick = gr.Dropdown([], label="Take", elem_id="lib-take-pick")
            h_info = gr.Markdown(elem_id="lib-take-info")
            h_audio = gr.Audio(label="Replay", interactive=False, elem_id="lib-take-audio")
            with gr.Row():
                h_format = gr.Radio(DOWNLOAD_FORMATS, value="original", label="Download as", elem_id="lib-take-format")
                h_download = gr.Button("Download", elem_id="lib-take-download")
                h_rerun = gr.Button("Re-run with the same settings", elem_id="lib-take-rerun")
                h_confirm = gr.Button(
                    "Confirm re-run", variant="primary", visible=False, elem_id="lib-take-rerun-confirm"
                )
                h_delete = gr.Button("Delete take", variant="stop", elem_id="lib-take-delete")
            h_file = gr.File(label="Download", interactive=False, elem_id="lib-take-file")
        with gr.Tab("Arena families", id="lib-families-tab") as families_tab:
            fam = families_ui.build_families_tab()

    # -- events: public endpoints first ---------------------------------------------------------
    v_refresh.click(library_voices, keys, [v_table], api_name="library_voices")
    h_refresh.click(library_history, keys, [h_table], api_name="library_history").then(
        _on_history, [h_family, *keys], [h_table], **private
    )  # the page keeps its family filter
    v_sync.click(library_sync, keys, [v_table, v_info], api_name="library_sync")
    voices_refresh = EventSpec(fn=library_voices, inputs=keys, outputs=[v_table], **private)
    history_refresh = EventSpec(fn=_on_history, inputs=[h_family, *keys], outputs=[h_table], **private)

    v_table.change(lambda rows, cur: _choices(rows, cur, "voice"), [v_table, v_pick], [v_pick], **private_now)
    h_table.change(lambda rows, cur: _choices(rows, cur, "take"), [h_table, h_pick], [h_pick], **private_now)
    v_pick.change(_on_pick_voice, [v_pick, *keys], [v_name, v_note, v_sample, v_preview, v_details], **private)
    v_save.click(_on_save_voice, [v_pick, v_name, v_note, *keys], [v_info], **private).success(**voices_refresh)
    v_delete.click(_on_delete_voice, [v_pick, v_at_provider, *keys], [v_info], **private).success(**voices_refresh)
    use_target = gr.Textbox("", visible=False, elem_id="lib-use-target")
    v_use.click(_on_use, [v_pick, *keys], [use_target], **private).success(
        None, [use_target], None, js=_GO_JS, **private_now
    )
    ex_btn.click(_on_export, keys, [ex_file], **private)
    im_btn.click(_on_import, [im_file, *keys], [im_info], **private).success(**voices_refresh).success(
        **history_refresh
    )

    h_pick.change(_on_pick_take, [h_pick, *keys], [h_audio, h_info], **private)
    h_download.click(_on_download_take, [h_pick, h_format, *keys], [h_file], **private)
    h_rerun.click(_on_rerun_preview, [h_pick, *keys], [h_info, h_confirm], **private)
    h_confirm.click(lambda: gr.update(visible=False), None, [h_confirm], **private_now).then(
        _on_rerun_take, [h_pick, *keys], [h_audio, h_info], **private
    ).success(**history_refresh)
    h_pick.change(lambda: gr.update(visible=False), None, [h_confirm], **private_now)
    h_delete.click(_on_delete_take, [h_pick, *keys], [h_info], **private).success(**history_refresh)
    h_clear.click(_on_clear_history, keys, [h_info], **private).success(**history_refresh)

    voices_tab.select(**voices_refresh)
    history_tab.select(families_ui.filter_choices, [h_family], [h_family], **private).then(**history_refresh)
    h_family.input(**history_refresh)
    families_tab.select(**fam.listing)
    if keys_loaded is not None:  # on its own page: once the held keys are in (ui/keys.py), show what they hold
        keys_loaded.then(**voices_refresh).then(**history_refresh)
