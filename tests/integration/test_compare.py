"""Compare and long text against the sandbox: concurrency, partial failure, measured figures,
loudness-matched playback, the zip, the `compare` endpoint, and long text stitched without joins."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import numpy as np
import pytest

from playground import compare, longtext, presets
from playground.compare import Pair

SF = "siliconflow|FunAudioLLM/CosyVoice2-0.5B:"
TEXT = "The quick brown fox jumps over the lazy dog."


async def test_four_pairs_run_concurrently_and_one_failure_does_not_sink_the_others(sandbox):
    sandbox.set_latency("siliconflow", first_byte_s=0.3)  # long enough for all four to be in flight together
    sandbox.add_fault("zhipu", "speech", "500")
    pairs = [Pair.parse(SF + v) for v in ("alex", "anna", "bella", "david")] + [Pair.parse("zhipu|tongtong")]
    cells = await compare.compare([TEXT], pairs)
    assert sandbox.state.max_in_flight["siliconflow"] >= 4
    assert [c.ok for c in cells] == [True, True, True, True, False]
    assert "Zhipu" in cells[4].error and cells[4].figures is None
    for cell in cells[:4]:
        f = cell.figures
        assert f.first_byte_s is not None and f.first_audio_s is not None
        assert 0 < f.first_byte_s <= f.total_s and f.first_audio_s <= f.total_s
        assert f.first_byte_s >= 0.3  # the sandbox's latency is in the measured figure
        assert f.duration_s > 1.0 and f.rtf == pytest.approx(f.total_s / f.duration_s)
        assert f.size_bytes == len(cell.result.audio.data) and f.format == "mp3" and f.sample_rate == 44100
        # SiliconFlow's preset has no price: the Arena's dated estimate (presets/arena.json) is used
        price = presets.load("arena")["prices"]["per_million_chars"]["siliconflow"]
        assert f.chars == len(TEXT) and f.cost == pytest.approx(price["amount"] * len(TEXT) / 1e6)
        assert ("estimated cost", f"≈ {f.cost:.6f} {price['currency']}") in f.rows()


async def test_every_provider_in_one_comparison_with_loudness_matched_playback(sandbox):
    pairs = [
        Pair.parse(k) for k in (SF + "alex", "minimax|English_Graceful_Lady", "zhipu|tongtong", "openai_compat|alloy")
    ]
    cells = await compare.compare([TEXT, "今天天气不错，我们一起去公园散步吧。"], pairs)
    assert len(cells) == 8 and all(c.ok for c in cells), [c.error for c in cells]
    assert {c.figures.format for c in cells} == {"mp3", "pcm"}
    for cell in cells:
        f = cell.figures
        assert cell.playback[:4] == b"RIFF"  # a WAV copy for playback; the raw file is the provider's
        matched = compare.measure_lufs(cell.playback)
        assert matched == pytest.approx(f.loudness_lufs + f.gain_db, abs=0.6)
        if f.gain_db == pytest.approx(compare.TARGET_LUFS - f.loudness_lufs, abs=0.01):  # not peak-limited
            assert matched == pytest.approx(compare.TARGET_LUFS, abs=0.6)
    archive = zipfile.ZipFile(io.BytesIO(compare.zip_bytes(cells)))
    names = archive.namelist()
    assert "figures.json" in names and sum(n.startswith("raw/") for n in names) == 8
    assert sum(n.startswith("loudness-matched/") for n in names) == 8
    doc = json.loads(archive.read("figures.json"))
    raw = archive.read(doc[0]["raw"])
    assert raw == cells[0].result.audio.download_bytes()


async def test_too_many_takes_are_refused(sandbox):
    from playground.errors import InputError

    with pytest.raises(InputError):
        await compare.compare(
            [TEXT, "second"], [Pair.parse(SF + v) for v in ("alex", "anna", "bella", "david", "claire")]
        )


def test_compare_endpoint(client, sandbox):
    table, zip_path, summary = client.predict(
        TEXT, "", [SF + "alex", "zhipu|tongtong", "openai_compat|alloy"], False, api_name="/compare"
    )
    rows = table["data"] if isinstance(table, dict) else table
    assert len(rows) == 3 and all(r[1] == "ok" for r in rows)
    assert "3 of 3 takes finished" in summary
    assert zipfile.is_zipfile(zip_path)


def _max_jump(pcm: bytes, at: int, radius: int = 48) -> float:
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0
    lo, hi = max(1, at - radius), min(len(x), at + radius)
    return float(np.abs(np.diff(x[lo - 1 : hi])).max())


@pytest.mark.parametrize(
    "pair, text, limit",
    [
        ("zhipu|tongtong", "今天天气很好。我们去公园散步吧！你觉得怎么样？好的，我们走吧。路上小心，别忘了带伞。", 16),
        (
            SF + "alex",
            "The first sentence is here. The second one follows! Is this the third? Yes; and the fourth.",
            40,
        ),
    ],
)
async def test_long_text_splits_at_sentence_ends_and_stitches_without_joins(sandbox, pair, text, limit):
    seen: list[tuple[int, int]] = []
    result = await longtext.speak_long(
        Pair.parse(pair), text, limit=limit, fmt="wav", progress=lambda done, total, _: seen.append((done, total))
    )
    segments = result.segments
    assert len(segments) >= 3 and "".join(s.replace(" ", "") for s in segments) == text.replace(" ", "")
    assert all(len(s) <= limit for s in segments)
    assert all(s[-1] in "。！？；.!?;" for s in segments)  # every cut is at a sentence end
    assert seen[-1] == (len(segments), len(segments))  # progress counted every segment
    st = result.stitched
    expected = sum(st.part_durations_s) - (len(segments) - 1) * longtext.CROSSFADE_MS / 1000
    assert st.duration_s == pytest.approx(expected, abs=0.01)
    assert st.duration_s == pytest.approx(sum(st.part_durations_s), rel=0.05)
    # the largest sample-to-sample step inside any part: a join must not step further (no click)
    parts_jump = max(
        float(np.abs(np.diff(longtext.to_pcm(r.audio.playable(), st.sample_rate))).max()) for r in result.results
    )
    for join in st.joins:
        assert _max_jump(st.pcm, join) <= parts_jump * 1.05 + 0.01
    assert st.data[:4] == b"RIFF"


async def test_fish_audio_and_cartesia_take_part_with_their_system_voices_and_prices(sandbox):
    keys = dict(compare.system_pairs())
    fish = next(k for k in keys.values() if k.startswith("fishaudio|"))
    cart = next(k for k in keys.values() if k.startswith("cartesia|"))
    cells = await compare.compare([TEXT, "今天天气不错。"], [Pair.parse(fish), Pair.parse(cart)])
    assert all(c.ok for c in cells), [c.error for c in cells]
    for cell in cells:
        f = cell.figures
        assert f.first_audio_s is not None and f.duration_s > 0.5 and f.cost is not None and f.cost > 0
    assert [c.figures.format for c in cells[:2]] == ["pcm", "pcm"]
    assert cells[0].figures.cost == pytest.approx(15.0 * len(TEXT) / 1e6)
    sent = [r for r in sandbox.requests("cartesia") if r["path"].endswith("/tts/sse")]
    assert sorted(json.loads(base64.b64decode(r["body_b64"]))["language"] for r in sent) == ["en", "zh"]
