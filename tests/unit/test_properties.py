"""Property-based tests (hypothesis) for the audio service and the long-text splitter."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.audio import _read_pcm_wav, best_window, decode, parse_data_uri, sniff_format, wrap_pcm
from playground.errors import AudioInputError, InputError

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RATES = st.sampled_from([8000, 16000, 22050, 24000, 32000, 44100, 48000])


@FAST
@given(pcm=st.binary(max_size=4000), rate=RATES, channels=st.sampled_from([1, 2]))
def test_wrap_pcm_then_read_gives_the_whole_frames_back(pcm, rate, channels):
    wav = wrap_pcm(pcm, rate, channels)
    assert sniff_format(wav) == "wav"
    whole = pcm[: len(pcm) - len(pcm) % (2 * channels)]
    seg = _read_pcm_wav(wav)
    if not whole:
        assert seg is None  # an empty WAV is left to ffmpeg, which rejects it
        return
    assert seg.raw_data == whole and seg.frame_rate == rate and seg.channels == channels


@FAST
@given(samples=st.lists(st.integers(-32768, 32767), min_size=1, max_size=2000), rate=RATES)
def test_decode_of_a_pcm_wav_is_lossless(samples, rate):
    pcm = np.array(samples, dtype="<i2").tobytes()
    seg = decode(wrap_pcm(pcm, rate))
    assert seg.raw_data == pcm and seg.frame_rate == rate


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=128))
def test_sniff_format_never_crashes(data):
    assert sniff_format(data) in {None, "wav", "flac", "ogg", "opus", "webm", "m4a", "mp3", "aac"}


@settings(max_examples=25, deadline=None)
@given(data=st.binary(max_size=256))
def test_decode_of_garbage_is_a_clear_audio_error_or_audio(data):
    try:
        seg = decode(data)
    except AudioInputError as exc:
        assert exc.user_message()
    else:  # what decodes is 16-bit PCM the rest of the service can use
        assert seg.sample_width == 2 and seg.frame_rate > 0 and seg.channels >= 1


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_parse_data_uri_raises_only_value_error(text):
    try:
        mime, data = parse_data_uri(text)
    except ValueError:
        return
    assert text.startswith("data:") and ";base64," in text and isinstance(mime, str) and isinstance(data, bytes)


@FAST
@given(
    seconds=st.floats(0.05, 6.0),
    window=st.floats(0.1, 8.0),
    rate=st.sampled_from([8000, 16000]),
    burst_at=st.floats(0.0, 1.0),
)
def test_best_window_stays_inside_the_clip_and_has_the_asked_length(seconds, window, rate, burst_at):
    n = int(seconds * rate)
    signal = np.zeros(n)
    start = int(burst_at * max(0, n - rate // 4))
    signal[start : start + rate // 4] = 0.5 * np.sin(np.arange(min(rate // 4, n - start)) / 3.0)
    seg = decode(wrap_pcm((signal * 32767).astype("<i2").tobytes(), rate))
    lo, hi = best_window(seg, window)
    assert 0 <= lo <= hi <= len(seg)
    if len(seg) <= int(window * 1000):
        assert (lo, hi) == (0, len(seg))
    else:
        assert hi - lo == int(window * 1000)


# -- long text ------------------------------------------------------------------------------------
longtext = pytest.importorskip("playground.longtext")
WORDS = st.text(alphabet=st.sampled_from(list("abcdefgh 你好世界。！？.,!?;，、\n")), min_size=1, max_size=600)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@settings(max_examples=150, deadline=None)
@given(text=WORDS, limit=st.integers(1, 120))
def test_split_text_keeps_every_character_within_the_limit(text, limit):
    try:
        segments = longtext.split_text(text, limit)
    except InputError as exc:  # empty text, or too many segments: a clear message
        assert exc.user_message()
        return
    assert segments and all(0 < len(s) <= limit for s in segments)
    assert squash("".join(segments)) == squash(text)  # nothing lost, nothing added, order kept
