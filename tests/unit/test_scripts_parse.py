"""Scripts (issue 24): the dialogue script, the cast and subtitle files are read as written, and every
bad input gets a message that says what to fix (naming the line or the cue), in English and Chinese."""

from __future__ import annotations

import numpy as np
import pytest

from playground import messages
from playground.errors import AudioInputError, InputError
from playground.scripts import assemble, dubbing
from playground.scripts.cast import check_speakers, parse_cast
from playground.scripts.parse import parse_script
from playground.scripts.subtitles import parse_subtitles

SF_ANNA = "siliconflow|FunAudioLLM/CosyVoice2-0.5B:anna"


def _error(fn, *args) -> str:
    with pytest.raises(InputError) as info:
        fn(*args)
    exc = info.value
    assert messages.user_message(exc, messages.ZH) != exc.user_message(), "no Chinese for: " + exc.user_message()
    return exc.user_message()


# -- the dialogue script ----------------------------------------------------------------------------------
def test_turns_continuations_pauses_and_blank_lines():
    script = parse_script(
        "\ufeff[pause 1s]\r\nAnna: Hello.\r\n\r\nBen: Hi.\nHow are you?\n[pause 1.5s]\n[PAUSE 500ms]\n"
        "小安：你好。\n[pause .25s]\n"
    )
    assert [(ln.number, ln.speaker, ln.text) for ln in script.lines] == [
        (1, "Anna", "Hello."),
        (2, "Ben", "Hi."),
        (3, "Ben", "How are you?"),
        (4, "小安", "你好。"),
    ]
    assert [ln.source_line for ln in script.lines] == [2, 4, 5, 8]
    assert [ln.pause_before_s for ln in script.lines] == [None, None, None, 2.0]  # pauses in a row add up
    assert script.lead_s == 1.0 and script.tail_s == 0.25
    assert script.speakers == ["Anna", "Ben", "小安"]


def test_a_colon_later_in_the_words_is_not_a_speaker():
    script = parse_script("Anna: The time is 10:30.\nAnd then (at noon): lunch.\n3 rules: none.")
    assert [ln.speaker for ln in script.lines] == ["Anna", "Anna", "Anna"]
    assert script.lines[0].text == "The time is 10:30."
    # any other `Words:` start is a speaker, so the cast check names it with its line
    odd = parse_script("Anna: Hi.\nIt says: go.")
    cast = parse_cast("Anna = zhipu|tongtong")
    where = {s: f"line {ln.source_line}" for ln in reversed(odd.lines) for s in [ln.speaker]}
    assert "Not in the cast: It says (line 2)" in _error(check_speakers, where, cast)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "The script is empty"),
        ("\n  \n[pause 1s]\n", "The script is empty"),
        ("Hello there.\nAnna: Hi.", "Line 1 has no speaker"),
        ("Anna: Hi.\n[pause 12s]\nBen: Yo.", "Line 2: a pause of 12 s is longer than 10 s"),
        ("Anna: Hi.\n[pause 10500ms]\nBen: Yo.", "Line 2: a pause of 10.5 s is longer than 10 s"),
        ("Anna: Hi.\n[pause soon]\nBen: Yo.", "Line 2: '[pause soon]' is not a pause I can read"),
        ("Anna: Hi.\nBen:\n", "Line 2: Ben says nothing"),
        ("\n".join(f"Anna: line {i}" for i in range(501)), "more than 500 lines"),
        ("Anna: " + "a" * 20001, "one run takes at most 20,000"),
    ],
)
def test_bad_scripts_say_what_to_fix(text, words):
    assert words in _error(parse_script, text)


# -- the cast ---------------------------------------------------------------------------------------------
def test_cast_pairs_short_names_and_everyone():
    cast = parse_cast("# the cast\nAnna = siliconflow|anna\nBen ＝ openai_compat|onyx|tts-1\n\n")
    assert cast.pair_for("anna").key == SF_ANNA  # names are matched without case
    assert cast.pair_for("Ben").key == "openai_compat|onyx|tts-1"
    assert cast.pair_for("Carol") is None
    everyone = parse_cast("elevenlabs|George")
    assert everyone.pair_for("Anyone").key == "elevenlabs|JBFqnCBsd6RMkjVDRZzb"
    mixed = parse_cast("Anna = zhipu|tongtong\n* = " + SF_ANNA)
    assert mixed.pair_for("Anna").key == "zhipu|tongtong" and mixed.pair_for("Ben").key == SF_ANNA


def test_library_voices_are_cast_by_name(sandbox):
    from playground import providers
    from playground.library import default_store

    store = default_store()
    scope = store.scope(providers.get("minimax").target())
    store.add_voice(scope, "minimax", "MyNarrator01", model="speech-02-hd", name="Grandpa")
    cast = parse_cast("Narrator = grandpa\nBen = minimax|Grandpa")
    assert cast.pair_for("Narrator").key == "minimax|MyNarrator01|speech-02-hd"
    assert cast.pair_for("Ben").voice == "MyNarrator01"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "The cast is empty"),
        ("Anna = nowhere|anna", "Cast line 1: unknown provider 'nowhere'"),
        ("Anna = siliconflow|anna\nBen = siliconflow|nobody", "Cast line 2: SiliconFlow has no voice 'nobody'"),
        ("Anna = my best clone", "Cast line 1: 'my best clone' is not a provider|voice pair"),
        ("Anna = zhipu|tongtong\nanna = zhipu|xiaochen", "Cast line 2: anna is cast twice"),
        ("zhipu|tongtong\nzhipu|xiaochen", "Cast line 2: everyone is cast twice"),
    ],
)
def test_bad_casts_say_what_to_fix(text, words):
    assert words in _error(parse_cast, text)


def test_a_speaker_not_in_the_cast_is_named_with_where_they_first_speak():
    cast = parse_cast("Anna = zhipu|tongtong")
    words = _error(check_speakers, {"Anna": "line 1", "Ben": "line 2", "Carol": "line 5"}, cast)
    assert "Not in the cast: Ben (line 2), Carol (line 5)" in words


# -- subtitle files ----------------------------------------------------------------------------------------
SRT = (
    "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\nAnna: Hello there\r\nsecond line\r\n\r\n"
    "2\r\n00:00:03.000 --> 00:00:04,200 X1:10 Y1:20\r\n<i>Ben</i>: <b>Hi</b> {\\an8}you &amp; me\r\n\r\n"
    '3\r\n00:00:05,000 --> 00:00:06,000\r\n<font color="red">no speaker here</font>\r\n'
)
VTT = (
    "WEBVTT - a title\n\nNOTE written by hand\nover two lines\n\nSTYLE\n::cue { color: red }\n\n"
    "intro\n00:01.000 --> 00:02.500 align:start position:10%\n<v Anna>Hello <c.red>there</c></v>\n\n"
    "00:00:03.000 --> 00:00:04.000\n<v.loud Ben Smith>Hi <00:03.500>there\nand more\n"
)


def test_srt_bom_crlf_dot_millis_multiline_settings_and_tags():
    cues = parse_subtitles(SRT.encode("utf-8"), "film.srt")
    assert [(c.number, c.start_s, c.end_s, c.speaker, c.text) for c in cues] == [
        (1, 1.0, 2.5, "Anna", "Hello there second line"),
        (2, 3.0, 4.2, "Ben", "Hi you & me"),
        (3, 5.0, 6.0, None, "no speaker here"),
    ]
    assert [c.line for c in cues] == [2, 7, 11] and not any(c.tagged for c in cues)


def test_vtt_voice_tags_identifiers_notes_and_styles():
    cues = parse_subtitles(VTT.encode("utf-8"), "film.vtt")
    assert [(c.start_s, c.end_s, c.speaker, c.text, c.tagged) for c in cues] == [
        (1.0, 2.5, "Anna", "Hello there", True),
        (3.0, 4.0, "Ben Smith", "Hi there and more", True),
    ]


def test_cues_are_sorted_by_start():
    srt = "1\n00:00:05,000 --> 00:00:06,000\nB\n\n2\n00:00:01,000 --> 00:00:02,000\nA\n"
    assert [c.text for c in parse_subtitles(srt.encode())] == ["A", "B"]


def _cues(n: int, step: float = 1.0) -> str:
    return "\n".join(
        f"{i + 1}\n00:{i * step // 60:02.0f}:{i * step % 60:06.3f} --> 00:{i * step // 60:02.0f}:"
        f"{i * step % 60 + 0.5:06.3f}\nline {i}\n".replace(".", ",")
        for i in range(n)
    )


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "The subtitle file has no cues"),
        (b"hello world\nnothing here\n", "Cue 1 (line 1) has no time line"),
        (
            b"1\n00:00:01,000 --> 00:00:02,500\nA\n\n2\n00:00:0x,000 --> 00:00:04,000\nB\n",
            "Cue 2, line 6: '00:00:0x,000 --> 00:00:04,000' is not a time line I can read",
        ),
        (b"1\n00:00:01,000 --> 00:00:02,500\nA\n\n2\n00:00:03,000 --> 00:00:04,000\n", "Cue 2 (line 6) has no text"),
        (b"1\n00:00:03,000 --> 00:00:02,500\nA\n", "Cue 1 (line 2) ends at 00:00:02,500, not after its start"),
        (
            b"1\n00:00:01,000 --> 00:00:02,500\nA\n\n2\n00:00:02,000 --> 00:00:04,000\nB\n",
            "Cues 1 and 2 overlap: cue 2 (line 6) starts at 00:00:02,000, before cue 1 ends at 00:00:02,500",
        ),
        ("1\n00:00:01,000 --> 00:00:02,000\nCaf\u00e9\n".encode("latin-1"), "not UTF-8 text (line 3)"),
        (b"1\n00:30:01,000 --> 00:30:02,000\nLate\n", "a dub covers at most 20 minutes"),
        (_cues(501).encode(), "The file has 501 cues; one run takes at most 500"),
        (
            b"1\n00:00:01,000 --> 00:00:09,000\n" + b"word " * 4001,
            "20,004 characters of text; one run takes at most 20,000",
        ),
        (b"1\n" + b"00:00:01,000 --> 00:00:02,000\n" + b"x" * 2_100_000, "at most 2 MB is read"),
    ],
)
def test_bad_subtitles_name_the_cue_and_the_line(data, words):
    assert words in _error(parse_subtitles, data, "film.srt")


def test_dub_voices_from_tags_prefixes_and_the_cast():
    srt = (
        b"1\n00:00:01,000 --> 00:00:02,000\nAnna: Hello.\n\n"
        b"2\n00:00:03,000 --> 00:00:04,000\nNote: this is spoken whole.\n"
    )
    run = dubbing.plan(srt, "a.srt", "Anna = zhipu|tongtong\nopenai_compat|alloy")
    assert [(i.speaker, i.pair.key, i.text) for i in run.items] == [
        ("Anna", "zhipu|tongtong", "Hello."),
        ("", "openai_compat|alloy", "Note: this is spoken whole."),  # not a cast name: part of the words
    ]
    vtt = b"WEBVTT\n\n00:01.000 --> 00:02.000\n<v Carol>Hi\n"
    assert "Not in the cast: Carol (cue 1, line 3)" in _error(dubbing.plan, vtt, "a.vtt", "Anna = zhipu|tongtong")
    assert "names no speaker" in _error(dubbing.plan, srt, "a.srt", "Carol = zhipu|tongtong")
    assert "between 1 and 2" in _error(dubbing.plan, srt, "a.srt", "zhipu|tongtong", 3.0)


# -- the audio pieces ------------------------------------------------------------------------------------
def test_trim_and_tempo_keep_the_speech_and_drop_the_silence():
    rate = assemble.rate()
    t = np.arange(int(rate * 1.0)) / rate
    tone = (np.sin(2 * np.pi * 220 * t) * 8000).astype(np.int16)
    padded = np.concatenate([np.zeros(rate // 4, np.int16), tone, np.zeros(rate // 2, np.int16)])
    trimmed = assemble.trimmed(padded)
    assert abs(len(trimmed) - len(tone)) <= rate * assemble.FRAME_MS // 1000
    faster = assemble.tempo(trimmed, 1.25)
    assert len(faster) / rate == pytest.approx(1.0 / 1.25, abs=0.03)
    with pytest.raises(AudioInputError):
        assemble.trimmed(np.zeros(rate, np.int16))
