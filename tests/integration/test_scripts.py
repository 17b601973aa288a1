"""Scripts against the sandbox over real HTTP (the app's `script_speak` and `dub` endpoints): the
decoded track is measured. Each line's speech starts and ends where the SRT says (within 50 ms);
the silence between lines is silent and exactly the gap or pause asked; each cue's speech starts
within 50 ms of its start; a take too long for its slot is sped up, never cut, and the next cue
waits; failed lines keep their row and can be retried alone; every line is in History."""

from __future__ import annotations

import base64
import io
import json
import wave
import zipfile
from pathlib import Path

import numpy as np
import pytest
from gradio_client import handle_file

from playground.scripts import dialogue

ONSET_TOLERANCE_S = 0.05
FRAME_S = 0.005
VOICED_DBFS = -45.0
SCRIPT = (
    "Anna: Did you hear the rain last night?\n"
    "Ben: I did.\n"
    "[pause 1.5s]\n"
    "Anna: Then let's make coffee first.\n"
    "And talk about the trip after.\n"
    "[pause 800ms]\n"
    "Ben: 好的，我们走吧。\n"
)
CAST = "Anna = siliconflow|anna\nBen = openai_compat|onyx"


def read_wav(path: str | Path | io.BytesIO) -> tuple[np.ndarray, int]:
    with wave.open(path if isinstance(path, io.BytesIO) else str(path)) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768, w.getframerate()


def levels(samples: np.ndarray, rate: int) -> np.ndarray:
    """dBFS of each 5 ms frame."""
    per = int(rate * FRAME_S)
    n = len(samples) // per
    power = (samples[: n * per].reshape(n, per) ** 2).mean(axis=1)
    return 10 * np.log10(np.maximum(power, 1e-12))


def onset(samples: np.ndarray, rate: int, after_s: float) -> float:
    """The start of the first voiced frame at or after `after_s`."""
    lv = levels(samples, rate)
    first = int(after_s / FRAME_S)
    voiced = np.nonzero(lv[first:] > VOICED_DBFS)[0]
    assert len(voiced), f"no speech after {after_s:.3f} s"
    return (first + int(voiced[0])) * FRAME_S


def offset(samples: np.ndarray, rate: int, before_s: float) -> float:
    """The end of the last voiced frame before `before_s`."""
    lv = levels(samples, rate)[: int(before_s / FRAME_S)]
    voiced = np.nonzero(lv > VOICED_DBFS)[0]
    return (int(voiced[-1]) + 1) * FRAME_S


def srt_entries(text: str) -> list[tuple[float, float, str]]:
    import pysubs2

    return [(e.start / 1000, e.end / 1000, e.plaintext) for e in pysubs2.SSAFile.from_string(text, format_="srt")]


def peak_dbfs(samples: np.ndarray) -> float:
    return 20 * np.log10(max(float(np.abs(samples).max()) if len(samples) else 0.0, 1e-9))


# -- dialogue ---------------------------------------------------------------------------------------------
def test_dialogue_track_matches_its_subtitles_and_pauses_are_exact(client, sandbox):
    track, zip_path, srt_path, table, summary = client.predict(SCRIPT, CAST, 0.3, "wav", api_name="/script_speak")
    assert "5 of 5 lines spoken" in summary
    samples, rate = read_wav(track)
    entries = srt_entries(Path(srt_path).read_text(encoding="utf-8"))
    assert [text for _, _, text in entries] == [
        "Anna: Did you hear the rain last night?",
        "Ben: I did.",
        "Anna: Then let's make coffee first.",
        "Anna: And talk about the trip after.",
        "Ben: 好的，我们走吧。",
    ]
    # the subtitles say where the speech is: each line starts and ends within 50 ms of its cue
    for i, (start, end, _) in enumerate(entries):
        previous_end = entries[i - 1][1] if i else 0.0
        assert abs(onset(samples, rate, previous_end) - start) <= ONSET_TOLERANCE_S, (i, start)
        next_start = entries[i + 1][0] if i + 1 < len(entries) else len(samples) / rate
        assert abs(offset(samples, rate, next_start) - end) <= ONSET_TOLERANCE_S, (i, end)
    # between the lines: silence, exactly as long as the gap or the pause written there
    wanted = [0.3, 1.5, 0.3, 0.8]
    for (_, end, _), (start, _, _), gap in zip(entries, entries[1:], wanted, strict=False):
        assert start - end == pytest.approx(gap, abs=0.002)
        assert peak_dbfs(samples[int(end * rate) + 1 : int(start * rate) - 1]) < -60
    assert len(samples) / rate == pytest.approx(entries[-1][1], abs=0.01)
    # the table has the same times, the zip one file per line (and the SRT)
    rows = table["data"]
    assert [r[:3] for r in rows] == [
        [1, "Anna", "SiliconFlow · anna"],
        [2, "Ben", "OpenAI-compatible · onyx"],
        [3, "Anna", "SiliconFlow · anna"],
        [4, "Anna", "SiliconFlow · anna"],
        [5, "Ben", "OpenAI-compatible · onyx"],
    ]
    for row, (start, end, _) in zip(rows, entries, strict=True):
        assert float(row[3]) == pytest.approx(start, abs=0.001) and float(row[4]) == pytest.approx(end, abs=0.001)
    names = zipfile.ZipFile(zip_path).namelist()
    assert names == [
        "001-Anna-siliconflow.wav",
        "002-Ben-openai_compat.wav",
        "003-Anna-siliconflow.wav",
        "004-Anna-siliconflow.wav",
        "005-Ben-openai_compat.wav",
        "script.srt",
    ]


def test_lines_run_concurrently_within_each_providers_limit(client, sandbox):
    sandbox.set_latency("siliconflow", first_byte_s=0.4)
    sandbox.set_latency("zhipu", first_byte_s=0.4)
    script = "\n".join(f"{'Anna' if i % 2 else 'Ben'}: Line number {i}." for i in range(16))
    cast = "Anna = siliconflow|anna\nBen = zhipu|tongtong"
    *_, summary = client.predict(script, cast, api_name="/script_speak")
    assert "16 of 16 lines spoken" in summary
    assert sandbox.state.max_in_flight["siliconflow"] == 8  # all eight at once
    assert sandbox.state.max_in_flight["zhipu"] == 5  # Zhipu's limit in presets/scripts.json


def test_a_line_over_the_providers_limit_is_split_and_stitched(client, sandbox):
    long = " ".join(["This sentence is one of many in a long speech."] * 30)  # ~1,400 characters
    assert len(long) > 1024  # Zhipu takes at most 1,024 per request
    _, _, srt_path, _table, summary = client.predict(
        f"Anna: {long}\nAnna: Short.", "zhipu|tongtong", api_name="/script_speak"
    )
    assert "2 of 2 lines spoken" in summary
    assert len(sandbox.requests("zhipu")) == 3  # two parts for the long line, one for the short one
    assert len(srt_entries(Path(srt_path).read_text(encoding="utf-8"))) == 2


async def test_a_failed_line_keeps_its_row_the_others_go_on_and_it_is_retried_alone(sandbox):
    sandbox.add_fault("zhipu", "speech", "500")
    run = dialogue.plan("Anna: One.\nBen: Two.\nAnna: Three.", "Anna = siliconflow|anna\nBen = zhipu|tongtong")
    out = await dialogue.speak(run)
    assert "2 of 3 lines spoken" in out.summary and "retry" in out.summary
    failed = out.rows[1]
    assert failed[3] == "" and failed[6].startswith("❌") and "Zhipu" in failed[6]
    assert [e for e in srt_entries(out.srt)] and len(srt_entries(out.srt)) == 2
    assert isinstance(run.items[0].pcm, np.memmap)  # a run kept for a retry holds its lines on disk
    before = len(sandbox.requests())
    again = await dialogue.retry(run, 2)
    assert len(sandbox.requests()) == before + 1  # only line 2 was spoken again
    assert "3 of 3 lines spoken" in again.summary and len(srt_entries(again.srt)) == 3


async def test_a_failed_cue_leaves_its_slot_silent_and_is_retried_alone(sandbox):
    from playground.scripts import dubbing

    sandbox.add_fault("zhipu", "speech", "500")
    srt = b"1\n00:00:01,000 --> 00:00:03,000\nAnna: One.\n\n2\n00:00:04,000 --> 00:00:06,000\nBen: Two.\n"
    run = dubbing.plan(srt, "a.srt", "Anna = siliconflow|anna\nBen = zhipu|tongtong")
    out = await dubbing.speak(run)
    assert "1 of 2 cues dubbed" in out.summary and out.rows[1][8].startswith("❌")
    samples, rate = read_wav(io.BytesIO(out.track))
    assert peak_dbfs(samples[int(3.5 * rate) :]) < -60 and len(samples) / rate == pytest.approx(6.0, abs=0.01)
    again = await dubbing.retry(run, 2)
    samples, rate = read_wav(io.BytesIO(again.track))
    assert "2 of 2 cues dubbed" in again.summary
    assert abs(onset(samples, rate, 3.5) - 4.0) <= ONSET_TOLERANCE_S


def test_every_line_is_kept_in_history(client, sandbox):
    from playground.library import default_store

    store = default_store()
    marker = "History check line"
    client.predict(f"Anna: {marker} one.\nBen: {marker} two.", CAST, api_name="/script_speak")
    takes = [t for t in store._conn.execute("SELECT handler, provider, text FROM takes").fetchall()]
    mine = sorted((h, p, t) for h, p, t in takes if marker in t)
    assert mine == [
        ("script_speak", "openai_compat", f"{marker} two."),
        ("script_speak", "siliconflow", f"{marker} one."),
    ]


@pytest.mark.parametrize(
    ("script", "cast", "words"),
    [
        ("", CAST, "The script is empty"),
        ("Anna: Hi.\nCarol: Hello.", CAST, "Not in the cast: Carol (line 2)"),
        ("Anna: Hi.", "Anna = siliconflow|nobody", "SiliconFlow has no voice 'nobody'"),
        ("Anna: Hi.", "Anna = acme|bob", "unknown provider 'acme'"),
        ("Anna: Hi.\n[pause 11s]\nAnna: Bye.", CAST, "Line 2: a pause of 11 s is longer than 10 s"),
        ("\n".join(["Anna: Hi."] * 501), CAST, "more than 500 lines"),
    ],
)
def test_bad_dialogue_input_gets_a_message_and_no_call(client, sandbox, script, cast, words):
    with pytest.raises(Exception) as info:
        client.predict(script, cast, api_name="/script_speak")
    assert words in str(info.value) and "Traceback" not in str(info.value)
    assert sandbox.requests() == []


# -- dubbing ---------------------------------------------------------------------------------------------
def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return str(path)


def test_each_cue_starts_on_time_and_long_takes_are_fitted_never_cut(client, sandbox, tmp_path):
    srt = (
        "\ufeff1\r\n00:00:00,700 --> 00:00:03,200\r\nAnna: Did you hear the rain?\r\n\r\n"
        # far too long for 0.8 s even at 1.25x: it runs over, and cue 3 waits for it
        "2\r\n00:00:04.000 --> 00:00:04.800\r\n<i>Ben</i>: I did, and it kept me awake until two in the morning.\r\n\r\n"
        "3\r\n00:00:05,000 --> 00:00:07,000\r\nAnna: Coffee first.\r\n\r\n"
        "4\r\n00:00:12,000 --> 00:00:14,500\r\nBen: Then the trip.\r\n"
    )
    track, zip_path, table, summary = client.predict(
        handle_file(_write(tmp_path, "film.srt", srt)), CAST, 1.25, "wav", api_name="/dub"
    )
    assert "4 of 4 cues dubbed" in summary and "run over their slot" in summary
    samples, rate = read_wav(track)
    rows = table["data"]
    starts = [float(r[6]) for r in rows]
    assert starts[:2] + starts[3:] == [0.7, 4.0, 12.0]
    # cue 2 was sped up to the limit, still runs over, and is reported; cue 3 waited for it
    assert rows[1][5] == "1.25×" and float(rows[1][7]) > 0
    assert starts[2] > 5.0 and "late" in rows[2][8]
    assert starts[2] == pytest.approx(offset(samples, rate, starts[2]) + 0.1, abs=0.01)  # a breath after cue 2
    assert float(rows[2][7]) >= 0
    for start in starts:  # every cue's speech starts where the table says: the cue's start, unless it waited
        assert abs(onset(samples, rate, start - 0.05) - start) <= ONSET_TOLERANCE_S, start
    for cue_start, at in zip([0.7, 4.0, 12.0], [starts[0], starts[1], starts[3]], strict=True):
        assert abs(onset(samples, rate, cue_start - 0.5) - cue_start) <= ONSET_TOLERANCE_S
        assert at == cue_start
    # two cues never sound together: the speech before cue 3 ends before cue 3 starts
    assert offset(samples, rate, starts[2]) <= starts[2] + FRAME_S
    assert len(samples) / rate >= 14.5  # at least as long as the last cue's end
    names = zipfile.ZipFile(zip_path).namelist()
    assert names[:4] == [
        f"00{i}-{p}.wav"
        for i, p in zip(range(1, 5), ["siliconflow", "openai_compat", "siliconflow", "openai_compat"], strict=True)
    ]


def test_a_take_that_fits_keeps_its_tempo_and_sits_inside_its_slot(client, sandbox, tmp_path):
    vtt = (
        "WEBVTT\n\nintro\n00:01.000 --> 00:06.000 align:start\n<v Anna>Hello <c.red>there</c>.</v>\n\n"
        "00:00:08.250 --> 00:00:12.000\n<v Ben>Hi.\n"
    )
    track, _, table, _ = client.predict(handle_file(_write(tmp_path, "a.vtt", vtt)), CAST, api_name="/dub")
    samples, rate = read_wav(track)
    for row, start, end in zip(table["data"], [1.0, 8.25], [6.0, 12.0], strict=True):
        assert row[5] == "1.00×" and float(row[7]) == 0
        assert abs(onset(samples, rate, start - 0.5) - start) <= ONSET_TOLERANCE_S
        assert offset(samples, rate, len(samples) / rate if end == 12.0 else 8.0) <= end
    assert len(samples) / rate == pytest.approx(12.0, abs=0.01)  # the track lasts until the last cue's end


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:01,500 --> 00:00:03,000\nB\n", "Cues 1 and 2 overlap"),
        ("1\n00:00:01,000 -> 00:00:02,000\nAnna: A\n", "Cue 1 (line 1) has no time line"),
        ("1\n00:00:01,000 --> 00:00:02,000\nAnna: A\n\n2\n00:00:03;000 --> 00:00:04,000\nB\n", "Cue 2, line 6"),
        ("WEBVTT\n\n00:01.000 --> 00:02.000\n<v Carol>Hi\n", "Not in the cast: Carol (cue 1, line 3)"),
    ],
)
def test_bad_subtitles_get_a_message_and_no_call(client, sandbox, tmp_path, text, words):
    with pytest.raises(Exception) as info:
        client.predict(handle_file(_write(tmp_path, "bad.srt", text)), CAST, api_name="/dub")
    assert words in str(info.value)
    assert sandbox.requests() == []


def test_chinese_messages_for_chinese_callers(app_url, sandbox):
    from gradio_client import Client

    zh = Client(app_url, verbose=False, headers={"Accept-Language": "zh-CN"})
    with pytest.raises(Exception) as info:
        zh.predict("Anna: Hi.\n[pause 12s]\nAnna: Bye.", CAST, api_name="/script_speak")
    assert "第 2 行：12 秒的停顿超过了 10 秒" in str(info.value)
    *_, summary = zh.predict("Anna: 你好。", CAST, api_name="/script_speak")
    assert "已朗读 1/1 行" in summary


def test_the_zip_lines_are_the_tracks_lines(client, sandbox):
    track, zip_path, _, _, _ = client.predict("Anna: One line.\nBen: Another.", CAST, 0.5, api_name="/script_speak")
    samples, _rate = read_wav(track)
    archive = zipfile.ZipFile(zip_path)
    first, _ = read_wav(io.BytesIO(archive.read("001-Anna-siliconflow.wav")))
    assert np.allclose(samples[: len(first)], first, atol=1 / 32768)


def test_hosted_a_long_script_stays_within_one_visitors_calls_in_flight(sandbox):
    """Hosted, one address may have PLAYGROUND_CLIENT_CONCURRENCY provider calls in flight
    (playground/visitors.py): a script with more lines than that waits its turn instead of tripping it."""
    import os

    from gradio_client import Client

    from tests.conftest import hosted_app_url

    sandbox.set_latency("openai_compat", first_byte_s=0.3)
    with hosted_app_url(sandbox) as url:
        os.environ["PLAYGROUND_CLIENT_CONCURRENCY"] = "3"  # under the provider's own 8 (restored on exit)
        sandbox.state.max_in_flight.clear()
        script = "\n".join(f"Ben: Hosted line {i}." for i in range(12))
        *_, table, summary = Client(url, verbose=False).predict(script, "openai_compat|onyx", api_name="/script_speak")
    assert "12 of 12 lines spoken" in summary, table
    assert sandbox.state.max_in_flight["openai_compat"] == 3


# -- native MOSS-TTSD dialogue ----------------------------------------------------------------------------
def test_a_two_speaker_script_cast_at_moss_ttsd_is_spoken_natively_in_one_take(client, sandbox, tmp_path):
    from tests.conftest import speech_wav

    names = []
    for who, words in (("anna", "Hello, I am Anna and this is my voice."), ("ben", "Hi, I am Ben speaking here.")):
        clip = tmp_path / f"{who}.wav"
        clip.write_bytes(speech_wav(words, 6.0))
        uri, _ = client.predict(
            handle_file(str(clip)),
            f"moss-{who}",
            words,
            "fnlp/MOSS-TTSD-v0.5",
            "multipart",
            True,
            "",
            api_name="/siliconflow_upload",
        )
        assert uri.startswith("speech:")
        names.append(f"moss-{who}")
    cast = f"Anna = {names[0]}\nBen = {names[1]}"
    sandbox.reset()
    track, zip_path, srt_path, table, summary = client.predict(
        "Anna: Shall we go?\nBen: Yes, now.\nAnna: Good.", cast, 0.3, "wav", True, api_name="/script_speak"
    )
    assert "Spoken natively by MOSS-TTSD in one take" in summary and srt_path is None
    sent = sandbox.requests("siliconflow")
    assert len(sent) == 1  # one take for the whole dialogue
    body = json.loads(base64.b64decode(sent[0]["body_b64"]))
    assert body["model"] == "fnlp/MOSS-TTSD-v0.5" and "voice" not in body
    assert body["input"] == "[S1]Shall we go?[S2]Yes, now.[S1]Good."
    assert [r["text"] for r in body["references"]] == [
        "Hello, I am Anna and this is my voice.",
        "Hi, I am Ben speaking here.",
    ]
    samples, rate = read_wav(track)
    assert len(samples) / rate > 1.0 and [r[1] for r in table["data"]] == ["Anna", "Ben", "Anna"]
    assert zipfile.ZipFile(zip_path).namelist() == ["dialogue-moss-ttsd.wav", "script.txt"]
    with pytest.raises(Exception) as info:  # system voices have no references to give
        client.predict("Anna: Hi.\nBen: Yo.", CAST, 0.3, "wav", True, api_name="/script_speak")
    assert "Anna is not cast at SiliconFlow's fnlp/MOSS-TTSD-v0.5" in str(info.value)
    with pytest.raises(Exception) as info:
        client.predict(
            "Anna: Hi.\nBen: Yo.\nCarol: Hey.",
            cast + "\nCarol = zhipu|tongtong",
            0.3,
            "wav",
            True,
            api_name="/script_speak",
        )
    assert "exactly two speakers; this script has 3" in str(info.value)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "not UTF-8 text"),
        (b"", "The subtitle file has no cues"),
        (b"WEBVTT\n\nNOTE nothing but a note\n", "The subtitle file has no cues"),
    ],
)
def test_files_that_are_not_subtitles_get_a_message(client, sandbox, tmp_path, data, words):
    path = tmp_path / "not-subtitles.srt"
    path.write_bytes(data)
    with pytest.raises(Exception) as info:
        client.predict(handle_file(str(path)), CAST, api_name="/dub")
    assert words in str(info.value) and "Unexpected" not in str(info.value)
