"""The sample card in Chinese: for every provider operation and clips that pass and fail every check,
the card (figures, checks, verdict, note), the fix previews and their labels have no English sentence
left for a zh-CN reader; English readers see the same card as before."""

from __future__ import annotations

import re

import pytest

from playground import clinic, messages, providers
from playground.audio import AudioSegment, VoiceSample, decode, encode
from tests.conftest import speech_wav, tone_wav

ENGLISH = re.compile(r"\b[A-Za-z]{3,}\b[ ,:;/]+\b[a-z]{2,}\b")  # two English words in a row (not "LUFS", "MB")
TAGS = re.compile(r"<[^>]+>")


def _clips() -> dict[str, VoiceSample]:
    speech = decode(speech_wav("Hello, this is my voice sample for the clinic.", 45.0))
    loud = speech.apply_gain(20)  # clipped and too loud
    padded = AudioSegment.silent(2000, speech.frame_rate) + speech[:8000] + AudioSegment.silent(2000, speech.frame_rate)
    stereo = padded.set_channels(2).set_frame_rate(8000)
    return {
        "long loud": VoiceSample(encode(loud, "wav"), filename="loud.wav"),
        "stereo 8 kHz with silences": VoiceSample(encode(stereo, "flac"), filename="s.flac"),
        "silent": VoiceSample(tone_wav(3.0, amplitude=0.0), filename="silent.wav"),
        "short": VoiceSample(encode(speech[:1500], "wav"), filename="short.wav"),
    }


@pytest.fixture
def chinese_reader(monkeypatch):
    monkeypatch.setattr(messages, "_headers_lookup", lambda: {"cookie": f"{messages.COOKIE}={messages.ZH}"})


def _english_left(text: str) -> list[str]:
    lines = [line.strip() for line in TAGS.sub("\n", text).splitlines()]
    return [line for line in lines if ENGLISH.search(re.sub(r"`[^`]*`", "", line))]


def test_every_card_in_chinese(chinese_reader):
    from playground.ui import clinic_ui

    left = []
    for name, sample in _clips().items():
        for pid in providers.PROVIDERS:
            for operation in clinic.operations(pid):
                body, analysis, result = clinic_ui.card_html(sample, pid, operation)
                left += [(name, pid, operation, line) for line in _english_left(body)]
                for key in clinic.applicable_fixes(result, analysis):
                    label = messages.label(clinic.fix_label(key, pid, operation))
                    left += [(name, pid, operation, f"fix label: {label}")] if _english_left(label) else []
    assert not left, left[:20]
    assert "符合限制" in body or "超出限制" in body


def test_fix_descriptions_in_chinese(chinese_reader):
    clip = _clips()["stereo 8 kHz with silences"]
    fixes = [
        clinic.trim_silence(clip),
        clinic.best_speech_window(clip, 5.0),
        clinic.to_mono(clip),
        clinic.resample(clip, 24000),
        clinic.normalize_loudness(clip),
        clinic.convert_format(clip, "mp3"),
    ]
    for fixed in fixes:
        zh = messages.translate(fixed.description)
        assert not _english_left(zh), (fixed.description, zh)
        for note in fixed.sample.notes:
            assert not _english_left(messages.translate(note)), note


def test_english_reader_sees_english():
    from playground.ui import clinic_ui

    body, _, _ = clinic_ui.card_html(_clips()["short"], "siliconflow", next(iter(clinic.operations("siliconflow"))))
    assert "Duration" in body and "the limits" in body and "will be sent" in body
