"""Every provider field says what it is in plain words, with the API's own name as secondary text
(presets/<provider>.json `ui`: "label", then "api" or the field's name), in English and Chinese."""

from __future__ import annotations

import re

import pytest

from playground import presets
from playground.ui import i18n
from playground.ui.form_fields import api_name, build_field, resolve, secondary_text
from playground.ui.tabs import TABS

# an API identifier in a label: snake_case (need_noise_reduction) or camelCase (groupId; "dB" is a unit)
IDENTIFIER = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\b[a-z]{2,}[A-Z][a-z]+\w*\b")


def _fields(pid: str) -> list[tuple[str, dict]]:
    spec = presets.load(pid)
    ui = spec["ui"]
    out = [("account", resolve(f, spec)) for f in ui.get("account", [])]
    for op, decl in ui["operations"].items():
        out += [(op, resolve(f, spec)) for f in decl.get("fields", [])]
        out += [(op, resolve(f, spec)) for f in decl.get("delete", {}).get("fields", [])]
    return out


@pytest.mark.parametrize("pid", [t.pid for t in TABS])
def test_labels_are_plain_words(pid):
    found = []
    for op, f in _fields(pid):
        if f["type"] == "note":
            continue
        if IDENTIFIER.search(str(f.get("label", f["name"]))):
            found.append(f"{op}.{f['name']}: {f.get('label')!r}")
    for op, decl in presets.load(pid)["ui"]["operations"].items():
        for key in ("result_label", "preview_label", "title", "button"):
            if IDENTIFIER.search(str(decl.get(key, ""))):
                found.append(f"{op}.{key}: {decl[key]!r}")
    assert not found, 'labels in API words (give plain words a "label" and the name an "api"):\n' + "\n".join(found)


@pytest.mark.parametrize("pid", [t.pid for t in TABS])
def test_every_parameter_shows_its_api_name_and_its_label_has_chinese(pid):
    for op, f in _fields(pid):
        if f["type"] in ("note", "consent", "audio"):
            continue
        api = api_name(f)
        if f.get("api") is False:
            assert api is None
            continue
        assert api == f.get("api", f["name"]), (op, f["name"])
        assert f"API: {api}" in (secondary_text(f) or ""), (op, f["name"])
        assert i18n.chinese(str(f.get("label", f["name"]))), f"{op}.{f['name']}: no Chinese for its label"
        if f.get("help"):
            zh = i18n.chinese(secondary_text(f) or "")
            assert zh and f"API：{api}" in zh and i18n.chinese(f["help"]) in zh, (op, f["name"], zh)


def test_minimax_fields_in_plain_words_with_their_api_names():
    fields = {(op, f["name"]): f for op, f in _fields("minimax")}
    assert fields[("clone", "need_noise_reduction")]["label"] == "Reduce background noise"
    assert secondary_text(fields[("clone", "need_noise_reduction")]) == "API: need_noise_reduction"
    assert secondary_text(fields[("clone", "language_boost")]).endswith("API: language_boost")
    assert api_name(fields[("speak", "speed")]) == "voice_setting.speed"
    assert api_name(fields[("upload", "trim_prompt")]) is None  # a choice of the form, not an API parameter
    choices = fields[("speak", "output_format")]["choices"]
    assert [c[1] for c in choices] == ["hex", "url"] and all(" " in c[0] for c in choices)
    upload = presets.load("minimax")["ui"]["operations"]["upload"]
    assert upload["result_api"] == "file_id" and "file_id" not in upload["result_label"]


def test_the_built_component_carries_label_and_hint():
    f = resolve(
        {"name": "need_noise_reduction", "type": "bool", "label": "Reduce background noise", "help": "Less hiss."}, {}
    )
    box = build_field(f, "x-noise")
    assert box.label == "Reduce background noise" and box.info == "Less hiss. · API: need_noise_reduction"
    hidden = build_field(resolve({"name": "send_as", "type": "text", "label": "Send as", "api": False}, {}), "x-send")
    assert hidden.info is None
