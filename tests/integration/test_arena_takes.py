"""Several takes per entrant, and a blind pair that is blind, over loopback (gradio_client against the app
and the sandbox simulators)."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import speech_wav

ENTRANTS = ["siliconflow:upload:FunAudioLLM/CosyVoice2-0.5B", "zhipu:clone:glm-tts-clone", "siliconflow:control:alex"]
TRANSCRIPT = "Somebody new reads a few lines for the takes test of the arena."


def _data(value):
    return value["data"] if isinstance(value, dict) else value


@pytest.fixture(scope="module")
def family(client, tmp_path_factory) -> int:
    from gradio_client import handle_file

    path = tmp_path_factory.mktemp("takes") / "takes.wav"
    path.write_bytes(speech_wav(TRANSCRIPT, 12.0))
    _rows, family, summary = client.predict(handle_file(str(path)), TRANSCRIPT, True, ENTRANTS, api_name="/arena_clone")
    assert "3 of 3 ready" in summary
    return int(family)


def test_three_takes_each_are_scored_and_the_best_counts(client, sandbox, family):
    speech_before = len([r for r in sandbox.requests("siliconflow") if "/audio/speech" in r["path"]])
    cards, scorecard, _run_id, _pair, _note, verdict, progress, *_rest = client.predict(
        family, "en-question", "", ENTRANTS, takes_per_entrant=3, api_name="/arena_speak"
    )
    speech = [r for r in sandbox.requests("siliconflow") if "/audio/speech" in r["path"]]
    assert len(speech) - speech_before == 6  # two SiliconFlow entrants, three takes each
    rows = _data(scorecard)
    assert len(rows) == 3 and all(r[5] == 3 for r in rows), rows  # one row per entrant, its takes counted
    assert all(r[6] is not None and r[6] >= 0 for r in rows), rows  # the similarity spread of its takes
    assert cards.count("<audio") == 4  # the reference and each entrant's best take
    assert "3 takes" in cards and progress.count('data-state="done"') == 3
    assert verdict.strip("*")
    with pytest.raises(Exception, match=r"maximum value 5|1 to 5"):  # the slider refuses it first
        client.predict(family, "en-question", "", ENTRANTS, takes_per_entrant=6, api_name="/arena_speak")


def test_the_blind_pair_cannot_be_matched_to_a_labelled_take(client, app_url, family):
    cards, _sc, run_id, pair, *_rest = client.predict(family, "en-question", "", ENTRANTS, api_name="/arena_speak")
    base = app_url.rstrip("/")
    labelled = [httpx.get(f"{base}/{src}", timeout=30).content for src in re.findall(r'src="([^"]+)"', cards)]
    blind = [httpx.get(f"{base}/{src}", timeout=30).content for src in re.findall(r'src="([^"]+)"', pair)]
    assert len(blind) == 2 and all(b[:4] == b"RIFF" for b in blind)
    sizes = {len(x) for x in labelled}
    for b in blind:
        assert b not in labelled and len(b) not in sizes  # neither the bytes nor the size give it away
    # pressing Vote without choosing is refused; a choice is then counted
    with pytest.raises(Exception, match="Choose A, B or tie"):
        client.predict(run_id, None, api_name="/arena_vote")
    reveal, *_ = client.predict(run_id, "B", api_name="/arena_vote")
    assert "You chose **B**" in reveal


NO_KEYS = ["", "", "", "", ""]


def test_arena_takes_and_families_are_in_the_library(client, family):
    client.predict(family, "en-numbers", "", ENTRANTS, takes_per_entrant=2, api_name="/arena_speak")
    everything = _data(client.predict(*NO_KEYS, api_name="/library_history"))
    mine = [r for r in everything if r[3].endswith(f" · #{family}")]
    assert len(mine) >= 6 and len(mine) <= len(everything), (len(mine), len(everything))  # 3 entrants x 2 takes
    assert any(r[3].startswith("Zhipu") for r in mine), mine  # the voice column names the entrant and its family
    assert {r[2] for r in mine} == {"siliconflow", "zhipu"}
    # the Arena's voices carry readable names (family + provider), not the provider-side machine name
    names = [r[2] for r in _data(client.predict(*NO_KEYS, api_name="/library_voices"))]
    assert any(n.startswith(f"Arena #{family} · SiliconFlow") for n in names), names
    assert not any(n.startswith(f"Arena{family}_") for n in names), names
