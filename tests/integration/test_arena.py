"""The Voice Arena over loopback: every arena_* endpoint through gradio_client against the app and
the sandbox simulators (real HTTP), including one provider failing mid-run."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import speech_wav

CLONES = [
    "siliconflow:upload:FunAudioLLM/CosyVoice2-0.5B",
    "minimax:clone:speech-2.8-hd",
    "zhipu:clone:glm-tts-clone",
    "siliconflow:reference:FunAudioLLM/CosyVoice2-0.5B",
]
CONTROL = "siliconflow:control:alex"
TRANSCRIPT = "Hello, this is my voice. I am recording a sample for the playground."


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("arena") / "me.wav"
    path.write_bytes(speech_wav(TRANSCRIPT, 12.0))
    return path


def _scoring_ready() -> bool:
    try:
        from playground import scoring

        return bool(scoring.SCORE_HELP)
    except ImportError:
        return False


def test_clone_speak_vote_report(client, sandbox, sample_file):
    from gradio_client import handle_file

    rows, family, summary = client.predict(
        handle_file(str(sample_file)), TRANSCRIPT, True, [*CLONES, CONTROL], api_name="/arena_clone"
    )
    table = rows["data"] if isinstance(rows, dict) else rows
    assert len(table) == 5, table
    assert all("ready" in r[1] for r in table), table
    assert int(family) > 0 and "5 of 5 ready" in summary
    uploads = [r for r in sandbox.requests("siliconflow") if r["path"].endswith("/uploads/audio/voice")]
    assert len(uploads) == 1

    # the same sample again: the family and its voices are reused, nothing is cloned again
    _rows2, family2, summary2 = client.predict(
        handle_file(str(sample_file)), TRANSCRIPT, True, [*CLONES, CONTROL], api_name="/arena_clone"
    )
    assert family2 == family and "reused" in summary2
    assert len([r for r in sandbox.requests("siliconflow") if r["path"].endswith("/uploads/audio/voice")]) == 1

    takes_html, scorecard, run_id, pair, note, verdict, progress, *_plots, run_label = client.predict(
        family, "zh-polyphonic", "", [*CLONES, CONTROL], api_name="/arena_speak"
    )
    sc = scorecard["data"] if isinstance(scorecard, dict) else scorecard
    assert len(sc) == 5 and all(r[-1].startswith("ok") for r in sc), sc
    assert takes_html.count("<audio") == 6  # the reference and five takes
    assert run_id and pair.count("<audio") == 2 and "Scores are in" in note
    print("VERDICT", verdict, sc)
    assert "closest to you" in verdict or "No clear winner" in verdict, verdict
    assert progress.count('data-state="done"') == 5 and run_id[:6] in run_label
    # the sandbox's recogniser cannot hear: said once under the cards, not in every row
    assert not any("sandbox" in r[-1] for r in sc) and takes_html.count("fixed text") == 1
    for label in (r[1] for r in sc):
        assert label not in pair
    base = client.src.rstrip("/")
    for src in re.findall(r'src="([^"]+)"', takes_html + pair):  # the page's players, from the app's route
        got = httpx.get(f"{base}/{src}", timeout=30)
        assert got.status_code == 200 and got.content[:4] == b"RIFF", src
    assert httpx.get(f"{base}/vcp-arena/not-a-run/0", timeout=30).status_code == 404

    reveal, ratings, agreement, _next_pair = client.predict(run_id, "A", api_name="/arena_vote")
    assert "A was" in reveal and "B was" in reveal
    rated = ratings["data"] if isinstance(ratings, dict) else ratings
    assert len(rated) == 2 and {r[3] for r in rated} == {1} and all(r[2].startswith("±") for r in rated)
    assert "after 10 decided votes" in agreement  # one vote means nothing yet
    assert rated[0][1] > rated[1][1]  # the winner of the vote is above the loser

    html_path, csv_path, zip_path = client.predict(run_id, api_name="/arena_report")
    page = Path(html_path).read_text(encoding="utf-8")
    assert "data:audio/mpeg;base64," in page and "Blind votes" in page and "Scoring models" in page
    assert (
        page.index("class='verdict'") < page.index("<svg") < page.index('<div class="arena-card') < page.index("<table")
    )
    assert "<script" not in page
    lines = list(csv.reader(io.StringIO(Path(csv_path).read_text(encoding="utf-8"))))
    assert lines[0][1] == "entrant" and len(lines) == 6
    names = zipfile.ZipFile(zip_path).namelist()
    assert "reference/reference.wav" in names and sum(n.startswith("raw/") for n in names) == 5

    if not _scoring_ready():
        pytest.skip("playground.scoring is still the interface stub: scoring assertions skipped")
    sims = {r[1]: r[3] for r in sc}
    control = next(v for k, v in sims.items() if "control" in k)
    clone = next(v for k, v in sims.items() if "CosyVoice2-0.5B · uploaded" in k)
    assert clone is not None and control is not None and clone > control, sims


def test_one_provider_failing_mid_run(client, sandbox, tmp_path):
    from gradio_client import handle_file

    path = tmp_path / "other.wav"
    path.write_bytes(speech_wav("Another speaker records a different sample for the arena today.", 12.0))
    sandbox.add_fault("minimax", "clone", "503", count=1)  # the upload goes through, the clone fails
    rows, family, summary = client.predict(
        handle_file(str(path)), "Another speaker records a sample.", True, CLONES, api_name="/arena_clone"
    )
    table = {r[0]: r for r in (rows["data"] if isinstance(rows, dict) else rows)}
    failed = [r for r in table.values() if "failed" in r[1]]
    assert len(failed) == 1 and "MiniMax" in failed[0][0] and "overloaded" in failed[0][2].lower(), table
    assert sum("ready" in r[1] for r in table.values()) == 3
    assert "failed: MiniMax" in summary
    # Hear them all before the retry: the MiniMax card says why it has no voice (the clone's own failure)
    cards, scorecard, *_ = client.predict(family, "en-question", "", CLONES[:2], api_name="/arena_speak")
    status = {r[1]: r[-1] for r in (scorecard["data"] if isinstance(scorecard, dict) else scorecard)}
    minimax = next(v for k, v in status.items() if "MiniMax" in k)
    assert "could not be cloned" in minimax and "overloaded" in minimax.lower(), status
    assert "Run Clone everywhere first" not in cards

    # the failed row alone, again: only MiniMax is called, the others are reused
    rows, family2, summary = client.predict(
        handle_file(str(path)),
        "Another speaker records a sample.",
        True,
        ["minimax:clone:speech-2.8-hd"],
        api_name="/arena_clone",
    )
    assert family2 == family and "1 of 1 ready" in summary

    _, scorecard, *_ = client.predict(family, "en-question", "", CLONES, api_name="/arena_speak")
    assert all(r[-1].startswith("ok") for r in (scorecard["data"] if isinstance(scorecard, dict) else scorecard))


def test_clear_errors(client, sample_file):
    from gradio_client import handle_file

    with pytest.raises(Exception, match="right to clone"):
        client.predict(handle_file(str(sample_file)), TRANSCRIPT, False, CLONES, api_name="/arena_clone")
    with pytest.raises(Exception, match="no longer here"):
        client.predict("nope", "A", api_name="/arena_vote")
    with pytest.raises(Exception, match="family"):
        client.predict(987654, "en-numbers", "", CLONES, api_name="/arena_speak")


def test_score_take_endpoint(client, sample_file):
    from gradio_client import handle_file

    if not _scoring_ready():
        pytest.skip("playground.scoring is still the interface stub: score_take is not available yet")
    card = client.predict(
        handle_file(str(sample_file)), handle_file(str(sample_file)), TRANSCRIPT, api_name="/score_take"
    )
    assert card["similarity"] is not None and card["duration_s"] > 5
