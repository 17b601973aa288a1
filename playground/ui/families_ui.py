"""The voice library's Arena part: the History's family filter and the "Arena families" tab (listed,
exported as a zip, removed). Logic in playground/library/families.py; Arena data belongs to the
visitor's Arena owner scope (playground/arena/owner.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import gradio as gr

from playground import downloads, messages
from playground.arena.owner import owner_scope
from playground.errors import InputError
from playground.library import default_store, families
from playground.library.access import when
from playground.ui.common import ui_errors

FAMILY_HEADERS = ["family", "created", "transcript", "voices", "Arena takes", "votes"]
ALL = "all"


def family_rows() -> list[list[Any]]:
    return [
        [f"#{r['id']}", when(r["created_at"]), (r["transcript"] or "")[:80], r["voices"], r["takes"], r["votes"]]
        for r in families.list_families(default_store(), owner_scope())
    ]


def filter_choices(current: str | None = ALL) -> dict:
    t = messages.translate
    choices = [(t("every take"), ALL)] + [
        (t(f"Arena family #{r['id']} ({r['takes']} takes)"), str(r["id"]))
        for r in families.list_families(default_store(), owner_scope())
    ]
    values = [v for _, v in choices]
    return gr.update(choices=choices, value=current if current in values else ALL)


def only_family(rows: list[dict], family: str | None) -> list[dict]:
    """History rows of one Arena family (all rows for "all" or nothing chosen)."""
    if family in (None, "", ALL):
        return rows
    try:
        wanted = int(str(family).lstrip("#"))
    except ValueError:
        raise InputError("Choose a family from the list.") from None
    return [r for r in rows if families._family_of(r) == wanted]


def _family_id(value: Any) -> int:
    try:
        return int(str(value or "").strip().lstrip("#"))
    except ValueError:
        raise InputError("Choose a family first.") from None


@ui_errors
async def _on_list():
    rows = family_rows()
    choices = [(f"{r[0]} · {r[1]} · {r[2][:40]}", r[0].lstrip("#")) for r in rows]
    return rows, gr.update(choices=choices, value=choices[0][1] if choices else None)


@ui_errors
async def _on_export(family: Any):
    fid = _family_id(family)
    data = families.export_family(default_store(), fid, owner_scope())
    if data is None:
        raise InputError("That family is not here any more.", hint="Refresh the list.")
    return downloads.write("arena", f"arena-family{fid}.zip", data)


@ui_errors
async def _on_remove(family: Any):
    fid = _family_id(family)
    gone = families.remove_family(default_store(), fid, owner_scope())
    if gone < 0:
        raise InputError("That family is not here any more.", hint="Refresh the list.")
    return messages.translate(
        f"Family #{fid} removed with its {gone} Arena takes; its voices stay at the providers and in the voice list."
    )


def build_families_tab() -> SimpleNamespace:
    """The "Arena families" tab's contents (inside a gr.Tab the caller opens)."""
    private: dict[str, Any] = {"api_visibility": "private"}
    gr.Markdown(
        "Every voice family the Arena made for you: one sample, its clone at each provider, the blind votes "
        "and the takes. Export one as a zip, or remove it from here."
    )
    ui = SimpleNamespace()
    ui.refresh = gr.Button("Refresh", elem_id="lib-families-refresh")
    ui.table = gr.Dataframe(
        headers=FAMILY_HEADERS, type="array", interactive=False, wrap=True, elem_id="lib-families-table"
    )
    with gr.Row():
        ui.pick = gr.Dropdown([], label="Family", elem_id="lib-family-pick", scale=2)
        ui.export = gr.Button("Export family (.zip)", elem_id="lib-family-export", scale=1)
        ui.remove = gr.Button("Remove family", variant="stop", elem_id="lib-family-remove", scale=1)
    ui.file = gr.File(label="Family export", interactive=False, elem_id="lib-family-file")
    ui.info = gr.Markdown(elem_id="lib-family-info")
    ui.listing = dict(fn=_on_list, inputs=None, outputs=[ui.table, ui.pick], **private)
    ui.refresh.click(**ui.listing)
    ui.export.click(_on_export, [ui.pick], [ui.file], **private)
    ui.remove.click(_on_remove, [ui.pick], [ui.info], **private).success(**ui.listing)
    return ui
