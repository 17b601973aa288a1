"""Long text: sentence splitting (Chinese and English) within a limit, and click-free stitching."""

from __future__ import annotations

import numpy as np
import pytest

from playground import longtext
from playground.audio import wrap_pcm
from playground.errors import InputError

RATE = 24000


def test_english_splits_at_sentence_ends_within_the_limit():
    text = "Hello there. How are you? I am fine; thanks! This is e.g. fine.\n\nA new paragraph"
    segments = longtext.split_text(text, 30)
    assert segments == ["Hello there. How are you?", "I am fine; thanks!", "This is e.g. fine.", "A new paragraph"]


def test_chinese_splits_at_chinese_punctuation_and_keeps_closing_quotes():
    text = "他说：“今天天气很好。”我们去公园散步吧！你觉得怎么样？好的。"
    segments = longtext.split_text(text, 14)
    assert segments == ["他说：“今天天气很好。”", "我们去公园散步吧！", "你觉得怎么样？好的。"]
    assert "".join(segments) == text


def test_a_sentence_longer_than_the_limit_is_cut_at_clauses_then_hard():
    text = "因为下午可能会下雨，所以我们要带伞，还要带一件外套，以免着凉。"
    segments = longtext.split_text(text, 12)
    assert all(len(s) <= 12 for s in segments) and "".join(segments) == text
    assert segments[0].endswith("，")
    hard = longtext.split_text("x" * 25, 10)
    assert hard == ["x" * 10, "x" * 10, "x" * 5]


def test_short_sentences_are_packed_and_the_limit_comes_from_the_presets():
    assert longtext.split_text("One. Two. Three.", 100) == ["One. Two. Three."]
    assert longtext.segment_limit("zhipu") == 1024
    assert longtext.segment_limit("openai_compat") == 4096
    assert longtext.segment_limit("minimax") == 9999
    assert longtext.segment_limit("zhipu", 200) == 200
    with pytest.raises(InputError):
        longtext.split_text("   ", 10)


def _sine(seconds: float, phase: float, freq: float = 220.0, amp: float = 0.8) -> bytes:
    t = np.arange(int(seconds * RATE)) / RATE
    samples = amp * np.sin(2 * np.pi * freq * t + phase)
    return wrap_pcm((samples * 32767).astype("<i2").tobytes(), RATE)


def test_stitch_has_no_click_at_joins_and_the_expected_duration():
    # the first part ends near +peak, the second starts at -peak: a plain concatenation jumps ~1.6
    first = _sine(0.5, np.pi / 2 - 2 * np.pi * 220 * 0.5)  # ends close to sin(pi/2) = +1
    second = _sine(0.7, -np.pi / 2)  # starts at -1
    plain = np.concatenate([longtext.to_pcm(first, RATE), longtext.to_pcm(second, RATE)])
    assert np.abs(np.diff(plain)).max() > 1.0
    st = longtext.stitch([first, second, first], "wav", rate=RATE)
    x = np.frombuffer(st.pcm, dtype="<i2").astype(np.float64) / 32768.0
    inner = 0.8 * 2 * np.pi * 220 / RATE  # the largest step a 220 Hz sine of 0.8 takes
    for join in st.joins:
        window = x[join - 400 : join + 400]
        assert np.abs(np.diff(window)).max() < inner * 1.6
    assert st.duration_s == pytest.approx(0.5 + 0.7 + 0.5 - 2 * longtext.CROSSFADE_MS / 1000, abs=1e-3)
    assert st.data[:4] == b"RIFF" and len(st.joins) == 2


def test_stitch_resamples_parts_to_one_rate_and_encodes_once():
    a = _sine(0.3, 0.0)
    b_pcm = (0.5 * np.sin(2 * np.pi * 220 * np.arange(int(0.3 * 16000)) / 16000) * 32767).astype("<i2").tobytes()
    b = wrap_pcm(b_pcm, 16000)
    st = longtext.stitch([a, b], "mp3", rate=RATE)
    assert st.format == "mp3" and st.sample_rate == RATE
    assert st.part_durations_s == pytest.approx([0.3, 0.3], abs=1e-3)
    assert st.data[:3] == b"ID3" or st.data[0] == 0xFF
