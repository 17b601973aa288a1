"""The reference clinic on generated audio: each problem is recognised, each fix passes the
provider's check and keeps the speech (duration and loudness measured)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from playground import clinic
from playground.audio import AudioSegment, VoiceSample, decode, encode, wrap_pcm
from playground.errors import InputError
from tests.conftest import speech_wav, tone_wav


def seg_of(data: bytes) -> AudioSegment:
    return decode(data)


def sample_of(seg: AudioSegment, fmt: str = "wav", name: str = "clip") -> VoiceSample:
    return VoiceSample(encode(seg, fmt), filename=f"{name}.{fmt}")


def speech(seconds: float = 12.0) -> AudioSegment:
    """espeak speech (22050 Hz mono) repeated to at least `seconds`, cut to exactly that."""
    return seg_of(speech_wav(seconds_min=seconds))[: int(seconds * 1000)]


def sine(freq: float, seconds: float, rate: int, amplitude: float = 1.0) -> VoiceSample:
    t = np.arange(int(seconds * rate)) / rate
    pcm = (np.clip(amplitude * np.sin(2 * np.pi * freq * t), -1, 32767 / 32768) * 32768).astype("<i2").tobytes()
    return VoiceSample(wrap_pcm(pcm, rate))


def item(sample: VoiceSample, provider: str, operation: str, key: str) -> clinic.CheckItem:
    return clinic.check(clinic.analyze(sample), provider, operation).item(key)


# -- measuring ---------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", [16000, 44100, 48000])
def test_bs1770_reference_sine_is_minus_3_01_lufs(rate):
    """BS.1770: a 0 dBFS 1 kHz sine in one channel reads -3.01 LKFS."""
    a = clinic.analyze(sine(1000, 5, rate))
    assert a.loudness_lufs == pytest.approx(-3.01, abs=0.05)
    assert a.peak_dbfs == pytest.approx(0.0, abs=0.01)


def test_loudness_follows_gain_and_gating_ignores_silence():
    base = speech(8)
    a = clinic.analyze(base).loudness_lufs
    assert clinic.analyze(base.apply_gain(-6)).loudness_lufs == pytest.approx(a - 6, abs=0.05)
    padded = AudioSegment.silent(3000, base.frame_rate) + base + AudioSegment.silent(3000, base.frame_rate)
    assert clinic.analyze(padded).loudness_lufs == pytest.approx(a, abs=0.5)  # gates drop the silence


def test_figures_of_a_plain_clip():
    a = clinic.analyze(sample_of(speech(6)))
    assert a.duration_s == pytest.approx(6.0, abs=0.01)
    assert (a.sample_rate, a.channels, a.format) == (22050, 1, "wav")
    assert -30 < a.loudness_lufs < -5 and a.clipping_ratio == 0
    assert a.leading_silence_s < 0.3 and a.trailing_silence_s < 0.6
    assert len(a.waveform) == 240 and max(a.waveform) <= 1.0


def test_silent_clip():
    a = clinic.analyze(VoiceSample(tone_wav(4, amplitude=0.0)))
    assert a.loudness_lufs == -math.inf and a.peak_dbfs == -math.inf
    result = clinic.check(a, "zhipu", "clone")
    assert not result.item("level").ok and not result.ok


# -- recognising problems -----------------------------------------------------------------------------
def test_leading_and_trailing_silence_recognised():
    s = speech(6)
    padded = AudioSegment.silent(2500, s.frame_rate) + s + AudioSegment.silent(3000, s.frame_rate)
    a = clinic.analyze(padded)
    assert a.leading_silence_s == pytest.approx(2.5, abs=0.15) and a.trailing_silence_s >= 2.9
    bad = item(sample_of(padded), "siliconflow", "upload", "silence")
    assert not bad.ok and bad.fix == "trim" and "silence" in bad.reason


def test_clipping_recognised():
    loud = speech(6).apply_gain(30)  # far past full scale: flat tops
    a = clinic.analyze(loud)
    assert a.clipping_ratio > 0.01
    assert not item(sample_of(loud), "minimax", "prompt_audio", "clipping").ok


@pytest.mark.parametrize("rate", [8000, 96000])
def test_wrong_sample_rates_recognised(rate):
    s = speech(5).set_frame_rate(rate)
    bad = item(sample_of(s), "zhipu", "clone", "sample_rate")
    assert not bad.ok and str(rate) in bad.reason and bad.fix == "resample"


def test_stereo_recognised():
    s = speech(5).set_channels(2)
    bad = item(sample_of(s), "minimax", "voice_clone", "channels")
    assert not bad.ok and bad.fix == "mono"


@pytest.mark.parametrize(
    "provider,operation,seconds,ok",
    [
        ("minimax", "voice_clone", 6.0, False),  # 10 s minimum
        ("minimax", "voice_clone", 12.0, True),
        ("minimax", "prompt_audio", 8.0, False),  # under 8 s, strictly
        ("minimax", "prompt_audio", 7.5, True),
        ("siliconflow", "reference", 31.0, False),  # under 30 s
        ("siliconflow", "upload", 20.0, True),
        ("zhipu", "clone", 2.0, False),  # 3-30 s recommended
        ("zhipu", "clone", 40.0, False),
        ("zhipu", "clone", 10.0, True),
    ],
)
def test_too_short_and_too_long_recognised(provider, operation, seconds, ok):
    got = item(sample_of(speech(seconds)), provider, operation, "duration")
    assert got.ok is ok and got.blocking
    if not ok:
        assert ("too long" if seconds > 8 or operation == "prompt_audio" else "too short") in got.reason


def test_duration_without_per_clip_bounds_is_reported_not_judged():
    # Fish Audio declares only a recommended total over all clips: the card must still render
    got = item(sample_of(speech(4.0)), "fishaudio", "clone", "duration")
    assert got.ok and got.reason == "4.0 s"


def test_format_and_size_against_the_limits():
    flac = sample_of(speech(12), "flac")
    bad = item(flac, "minimax", "voice_clone", "format")
    assert not bad.ok and bad.fix == "convert" and "mp3" in bad.reason
    import dataclasses

    a = dataclasses.replace(clinic.analyze(sample_of(speech(12))), size_bytes=12 * 1024 * 1024)
    size = clinic.check(a, "zhipu", "clone").item("size")
    assert not size.ok and "10 MB" in size.reason


def test_limits_come_from_the_presets():
    lim = clinic.limits_for("minimax", "prompt_audio")
    assert lim["max_duration_s"] == 8.0 and lim["max_bytes"] == 20 * 1024 * 1024
    assert lim["formats"] == ["mp3", "m4a", "wav"] and lim["max_exclusive"]
    assert clinic.limits_for("zhipu", "clone")["max_bytes"] == 10 * 1024 * 1024
    assert clinic.limits_for("siliconflow", "reference")["max_duration_s"] == 30.0
    assert clinic.operations("minimax") == ["voice_clone", "prompt_audio"]
    with pytest.raises(InputError, match="no sample operation"):
        clinic.limits_for("zhipu", "prompt_audio")


# -- fixing ----------------------------------------------------------------------------------------
def speech_measure(sample: VoiceSample) -> tuple[float, float]:
    a = clinic.analyze(sample)
    return a.speech_s, a.loudness_lufs


def test_trim_silence_keeps_the_speech():
    s = speech(6)
    padded = sample_of(AudioSegment.silent(2500, s.frame_rate) + s + AudioSegment.silent(3000, s.frame_rate))
    fixed = clinic.trim_silence(padded)
    assert item(fixed.sample, "siliconflow", "upload", "silence").ok
    before, after = clinic.analyze(padded), clinic.analyze(fixed.sample)
    assert after.duration_s == pytest.approx(before.speech_s + 0.3, abs=0.1)  # speech + both margins
    assert after.loudness_lufs == pytest.approx(before.loudness_lufs, abs=0.5)
    assert "trimmed 2.4 s" in fixed.description.lower()


def test_best_window_fits_the_prompt_limit_and_avoids_clipping():
    clean, clipped = speech(20), speech(20).apply_gain(30)
    source = clipped[:20000] + clean + clipped[:5000]  # 45 s; only the middle 20 s is clean
    s48 = source.set_frame_rate(48000).set_channels(2)
    original = sample_of(s48)
    fixed = clinic.apply_fix(original, "window", "minimax", "prompt_audio")
    result = clinic.check(clinic.analyze(fixed.sample), "minimax", "prompt_audio")
    assert result.item("duration").ok and result.ok and result.item("clipping").ok
    a = clinic.analyze(fixed.sample)
    assert a.duration_s == pytest.approx(7.5, abs=0.01) and a.speech_s > 6.5
    assert a.loudness_lufs == pytest.approx(clinic.analyze(clean.set_channels(2)).loudness_lufs, abs=1.0)
    assert "7.5 s" in fixed.description


def test_mono_keeps_duration_and_loudness():
    stereo = sample_of(speech(12).set_channels(2))
    fixed = clinic.to_mono(stereo)
    assert item(fixed.sample, "minimax", "voice_clone", "channels").ok
    before, after = clinic.analyze(stereo), clinic.analyze(fixed.sample)
    assert after.duration_s == pytest.approx(before.duration_s, abs=0.01)
    assert after.loudness_lufs == pytest.approx(before.loudness_lufs - 3.0, abs=0.2)  # two equal channels -> one


@pytest.mark.parametrize("rate", [8000, 96000])
def test_resample_to_the_preferred_rate(rate):
    wrong = sample_of(speech(5).set_frame_rate(rate))
    fixed = clinic.apply_fix(wrong, "resample", "zhipu", "clone")
    a = clinic.analyze(fixed.sample)
    assert a.sample_rate == 24000 and item(fixed.sample, "zhipu", "clone", "sample_rate").ok
    before = clinic.analyze(wrong)
    assert a.duration_s == pytest.approx(before.duration_s, abs=0.01)
    assert a.loudness_lufs == pytest.approx(before.loudness_lufs, abs=1.0)
    assert ("cannot bring back" in fixed.description) is (rate < 24000)


@pytest.mark.parametrize("gain", [-25.0, 8.0])
def test_normalize_loudness_into_range(gain):
    s = speech(6).apply_gain(gain)
    odd = sample_of(s)
    fixed = clinic.apply_fix(odd, "normalize", "siliconflow", "upload")
    a = clinic.analyze(fixed.sample)
    assert item(fixed.sample, "siliconflow", "upload", "loudness").ok
    assert -21.0 <= a.loudness_lufs <= -19.0 or a.peak_dbfs == pytest.approx(-1.0, abs=0.1)
    assert a.peak_dbfs <= -0.9 and a.duration_s == pytest.approx(6.0, abs=0.01)


def test_quiet_clip_is_recognised_then_normalized():
    quiet = sample_of(speech(6).apply_gain(-30))
    assert not item(quiet, "zhipu", "clone", "loudness").ok
    assert item(clinic.normalize_loudness(quiet).sample, "zhipu", "clone", "loudness").ok


def test_convert_format_passes_the_format_check():
    flac = sample_of(speech(12), "flac")
    fixed = clinic.apply_fix(flac, "convert", "minimax", "voice_clone")
    assert fixed.sample.format == "mp3" and item(fixed.sample, "minimax", "voice_clone", "format").ok
    a, b = clinic.analyze(flac), clinic.analyze(fixed.sample)
    assert b.duration_s == pytest.approx(a.duration_s, abs=0.1)
    assert b.loudness_lufs == pytest.approx(a.loudness_lufs, abs=0.5)


def test_fixes_return_new_samples_and_leave_the_input_alone():
    original = sample_of(speech(12).set_channels(2))
    data = original.data
    fixed = clinic.to_mono(original)
    assert original.data == data and fixed.sample is not original and fixed.sample.data != data
    assert fixed.sample.notes[-1] == "mixed 2 channels down to mono"


def test_applicable_fixes_follow_the_red_items():
    s = speech(40).set_frame_rate(48000).set_channels(2)
    sample = sample_of(s)
    a = clinic.analyze(sample)
    result = clinic.check(a, "minimax", "prompt_audio")
    assert not result.item("duration").ok
    fixes = clinic.applicable_fixes(result, a)
    assert "window" in fixes and "mono" in fixes
    assert clinic.fix_label("window", "minimax", "prompt_audio") == "Best 7.5 s window"
    assert clinic.fix_label("resample", "zhipu", "clone") == "Resample to 24000 Hz"
    with pytest.raises(InputError, match="Unknown fix"):
        clinic.apply_fix(sample, "nope", "minimax", "prompt_audio")


def test_every_fix_on_a_bad_clip_ends_green():
    """40 s, stereo, 96 kHz, quiet, with silence at both ends: fixed in order, everything turns green."""
    s = speech(30).apply_gain(-28)
    s = AudioSegment.silent(3000, s.frame_rate) + s + AudioSegment.silent(7000, s.frame_rate)
    sample = sample_of(s.set_frame_rate(96000).set_channels(2))
    for _ in range(6):
        a = clinic.analyze(sample)
        result = clinic.check(a, "minimax", "prompt_audio")
        fixes = clinic.applicable_fixes(result, a)
        if not fixes:
            break
        sample = clinic.apply_fix(sample, fixes[0], "minimax", "prompt_audio").sample
    final = clinic.check(clinic.analyze(sample), "minimax", "prompt_audio")
    assert final.all_green, [i for i in final.items if not i.ok]
    assert clinic.analyze(sample).speech_s > 6.0


# -- the sandbox's transcript and consent ------------------------------------------------------------
def test_sandbox_transcript_is_deterministic_and_follows_a_trim():
    from playground.sandbox.asr import transcript_for

    long = sample_of(speech(12))
    short = clinic.best_speech_window(long, 4.0).sample
    assert transcript_for(long.data) == transcript_for(long.data)
    assert transcript_for(short.data) != transcript_for(long.data)
    assert len(transcript_for(short.data).split()) < len(transcript_for(long.data).split())


def test_consent_is_required():
    from playground.ui.clinic_ui import require_consent

    for value in (False, None, "", "false"):
        with pytest.raises(InputError, match="I have the right to clone this voice"):
            require_consent(value)
    require_consent(True)


def test_card_renders_items_with_their_state():
    from playground.ui.clinic_ui import card_html

    body, _a, _result = card_html(sample_of(speech(40).set_channels(2)), "minimax", "prompt_audio")
    assert 'data-check="duration" data-ok="false"' in body and 'data-overall="false"' in body
    assert "<svg" in body and "40.0 s" in body
