"""The Arena in Chinese, over loopback: a zh-CN caller (Accept-Language, as the page's cookie would)
clones with one provider failing, hears, votes and downloads the report, and every message those
handlers pass through the catalog (progress words, clinic notes, errors, score notes, vote reveal,
report text) comes back in Chinese. English callers still get English."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import HAN, speech_wav

TRANSCRIPT = "Hello, this is my voice. I am recording a sample for the playground."
ENTRANTS = [
    "siliconflow:upload:FunAudioLLM/CosyVoice2-0.5B",
    "minimax:clone:speech-2.8-hd",
    "zhipu:clone:glm-tts-clone",
    "siliconflow:reference:FunAudioLLM/CosyVoice2-0.5B",
    "siliconflow:control:alex",
]


@pytest.fixture
def long_sample(tmp_path) -> Path:
    """One second of silence, then 40 s of speech: every provider trims it, most keep a window."""
    from playground.audio import wrap_pcm
    from playground.sandbox.speech import ESPEAK_RATE

    speech = speech_wav(TRANSCRIPT, 40.0)[44:]
    path = tmp_path / "long.wav"
    path.write_bytes(wrap_pcm(b"\0\0" * ESPEAK_RATE + speech, ESPEAK_RATE))
    return path


def _data(value):
    return value["data"] if isinstance(value, dict) else value


def test_the_arena_in_chinese(sandbox, app_url, long_sample, untranslated):
    from gradio_client import Client, handle_file

    client = Client(app_url, verbose=False, headers={"Accept-Language": "zh-CN"})
    sandbox.add_fault("minimax", "clone", "503", count=1)  # one row fails with the provider's error
    rows, family, summary = client.predict(
        handle_file(str(long_sample)), TRANSCRIPT, True, ENTRANTS, api_name="/arena_clone"
    )
    client.predict(handle_file(str(long_sample)), TRANSCRIPT, True, ENTRANTS[1:2], api_name="/arena_clone")
    takes, scorecard, run_id, _pair, note, verdict, progress, *_plots, run_label = client.predict(
        family, "en-question", "", ENTRANTS, api_name="/arena_speak"
    )
    reveal, _ratings, agreement, _next = client.predict(run_id, "tie", api_name="/arena_vote")
    html_path, csv_path, _zip = client.predict(run_id, api_name="/arena_report")
    page = Path(html_path).read_text(encoding="utf-8")

    assert not untranslated, sorted(set(untranslated))
    table = _data(rows)
    assert len(table) == 5 and "家族" in summary, (table, summary)
    failed = [r for r in table if "❌" in r[1]]
    assert len(failed) == 1 and "MiniMax" in failed[0][0], table
    for row in table:
        assert HAN.search(row[1]) and HAN.search(row[2]), row  # state and message in Chinese
    assert any(r[4] for r in table), table  # the clinic's notes (trimmed, a window kept) are there
    assert all(r[4].count("保留了最佳") <= 1 for r in table), table  # the window is noted once, not again by the sample
    assert "参考" in takes and HAN.search(note), note
    assert HAN.search(verdict) and HAN.search(run_label) and "完成" in progress, (verdict, run_label)
    assert "<svg" in page and "class='verdict'" in page
    for row in _data(scorecard):
        assert HAN.search(row[-1]), row  # status in Chinese
    assert HAN.search(reveal) and HAN.search(agreement), (reveal, agreement)
    assert "声音竞技场报告" in page and "Blind votes" not in page and "Scoring models" not in page
    assert Path(csv_path).read_text(encoding="utf-8").startswith("rank,entrant")  # data keeps its English columns


def test_english_callers_get_english(sandbox, app_url, tmp_path):
    from gradio_client import Client, handle_file

    path = tmp_path / "me.wav"
    path.write_bytes(speech_wav(TRANSCRIPT, 12.0))
    client = Client(app_url, verbose=False)
    rows, _family, summary = client.predict(
        handle_file(str(path)), TRANSCRIPT, True, ENTRANTS[-1:], api_name="/arena_clone"
    )
    assert "ready" in _data(rows)[0][1] and "1 of 1 ready" in summary
