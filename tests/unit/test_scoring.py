"""Arena scores: the numpy GE2E and DNSMOS ports against numbers pinned once with the originals
(resemblyzer 0.1.4 on torch 2.13.0, speechmos 0.0.1.1 on librosa 0.11.0: see
vendor/vcp-scoring-models/pin_reference.py), WER/CER on known strings, and score_take end to end."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from playground import scoring
from playground.audio import wrap_pcm
from playground.errors import AudioInputError, ProviderError
from playground.scoring import ge2e, quality
from playground.scoring.text import edit_distance
from tests.unit import scoring_signals as sig

EXPECTED = json.loads((Path(__file__).parent / "scoring_expected.json").read_text())
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def signals() -> dict[str, np.ndarray]:
    return sig.all_signals()


def wav_bytes(x: np.ndarray, rate: int = 16000) -> bytes:
    return wrap_pcm((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes(), rate)


# -- model files -----------------------------------------------------------------------------------
def test_vendored_model_files_are_the_built_ones():
    import vcp_scoring_models as m

    for path in (m.GE2E_NPZ, m.DNSMOS_PRIMARY_ONNX, m.DNSMOS_P808_ONNX):
        assert hashlib.sha256(path.read_bytes()).hexdigest() == m.SHA256[path.name]


def test_importing_scoring_loads_no_model():
    code = (
        "import sys, playground.scoring as s; from playground.scoring import ge2e, quality; "
        "assert ge2e._weights is None and quality._sessions is None; "
        "assert 'onnxruntime' not in sys.modules and 'opencc' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


# -- speaker similarity ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["anna", "david", "tone"])
def test_ge2e_matches_resemblyzer(signals, name):
    """Same input as VoiceEncoder.embed_utterance(normalize_volume(wav)) got on torch."""
    expected = np.array(EXPECTED["ge2e"][name])
    got = ge2e.embed_preprocessed(ge2e.normalize_volume(signals[name]))
    assert got.shape == (256,) and abs(np.linalg.norm(got) - 1) < 1e-5
    assert float(got @ expected) > 1 - 1e-4
    assert np.abs(got - expected).max() < 1e-4


@pytest.mark.parametrize("name", ["anna", "david"])
def test_energy_gate_stands_in_for_webrtcvad(signals, name):
    """The whole pipeline (our energy gate) vs resemblyzer's preprocess_wav (webrtcvad)."""
    expected = np.array(EXPECTED["ge2e_full_pipeline"][name])
    assert float(scoring.embed(signals[name], 16000) @ expected) > 0.999


def test_embed_takes_any_rate_channels_and_int16(signals):
    x = signals["anna"]
    base = scoring.embed(x, 16000)
    stereo_int16 = (np.stack([x, x], axis=1) * 32767).astype(np.int16)
    assert float(base @ scoring.embed(stereo_int16, 16000)) > 0.9999
    from playground.scoring.features import resample

    assert float(base @ scoring.embed(resample(x, 16000, 24000), 24000)) > 0.999


def test_same_voice_scores_higher_than_another_voice(signals):
    other_anna = sig.speech("anna", "Another sentence from the same voice, spoken for the reference clip.")
    same = scoring.similarity(signals["anna"], 16000, other_anna, 16000)
    different = scoring.similarity(signals["anna"], 16000, signals["david"], 16000)
    assert same > different + 0.05


def test_self_similarity_needs_two_seconds_a_half(signals):
    assert scoring.self_similarity(signals["tone"], 16000) is None  # 3 s
    long = np.concatenate([signals["anna"], signals["anna"]])
    assert scoring.self_similarity(long, 16000) > 0.95


def test_silence_has_no_embedding():
    with pytest.raises(AudioInputError):
        scoring.embed(np.zeros(32000, dtype=np.float32), 16000)


# -- DNSMOS ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dnsmos_scores(signals) -> dict[str, dict[str, float]]:
    return {name: quality.scores(signals[name]) for name in ("anna", "tone", "anna_noisy", "anna_clipped")}


@pytest.mark.parametrize("name", ["anna", "tone", "anna_noisy", "anna_clipped"])
def test_dnsmos_matches_speechmos(dnsmos_scores, name):
    got = dnsmos_scores[name]
    want = EXPECTED["dnsmos"][name]
    for ours, theirs in (("ovrl", "ovrl_mos"), ("sig", "sig_mos"), ("bak", "bak_mos"), ("p808", "p808_mos")):
        assert abs(got[ours] - want[theirs]) < 1e-3, ours


def test_p808_features_match_librosa(signals):
    audio = np.tile(signals["anna"], 2)[: int(9.01 * 16000)]
    features = quality.p808_features(audio[:-160])
    assert list(features.shape) == EXPECTED["mel_check"]["p808_anna"]["shape"]
    assert abs(features.astype(np.float64).sum() - EXPECTED["mel_check"]["p808_anna"]["sum"]) < 0.05


def test_dnsmos_ranks_clean_above_noisy_and_clipped(dnsmos_scores):
    clean = dnsmos_scores["anna"]
    for damaged in ("anna_noisy", "anna_clipped"):
        assert clean["ovrl"] > dnsmos_scores[damaged]["ovrl"] + 0.3
        assert clean["p808"] > dnsmos_scores[damaged]["p808"] + 0.3


def test_dnsmos_takes_any_rate_and_int16(signals):
    from playground.scoring.features import resample

    x = signals["anna"]
    want = EXPECTED["dnsmos"]["anna"]
    ovrl, p808 = scoring.dnsmos((resample(x, 16000, 24000) * 32767).astype(np.int16), 24000)
    assert ovrl == pytest.approx(want["ovrl_mos"], abs=0.05) and p808 == pytest.approx(want["p808_mos"], abs=0.05)


def test_dnsmos_long_take_is_windowed():
    assert len(quality.windows(np.zeros(16000 * 12, dtype=np.float32))) == 3
    assert len(quality.windows(np.zeros(16000 * 5, dtype=np.float32))) == 1  # repeated to 10 s, as speechmos does
    assert len(quality.windows(np.zeros(16000 * 3, dtype=np.float32))) == 3  # 12 s: 3 windows, as speechmos
    assert len(quality.windows(np.zeros(16000 * 4, dtype=np.float32))) == 3  # 16 s: speechmos would score 7
    # speechmos skips a window whose end, int((i + 9.01) * 16000), rounds one sample short: so do we
    assert 20 < len(quality.windows(np.zeros(16000 * 120, dtype=np.float32))) <= quality.MAX_WINDOWS


# -- WER / CER -------------------------------------------------------------------------------------
def test_edit_distance():
    assert edit_distance(list("kitten"), list("sitting")) == 3
    assert edit_distance([], ["a", "b"]) == 2
    assert edit_distance(["a", "b"], ["a", "b"]) == 0


@pytest.mark.parametrize(
    "ref, hyp, expected",
    [
        ("Hello, world!", "hello world", ("wer", 0.0)),
        ("It's a test.", "its a best", ("wer", 1 / 3)),
        ("the cat sat", "the cat sat on the mat", ("wer", 1.0)),
        ("one two three four", "one three four", ("wer", 0.25)),
        ("語音克隆測試，這是一個句子。", "语音克隆测试 这是一个句子", ("cer", 0.0)),
        ("你好，世界！", "你好", ("cer", 0.5)),
        ("今天天气很好", "今天天汽很好啊", ("cer", 2 / 6)),
        ("我们用 AI 合成声音", "我们用ai合成声音", ("cer", 0.0)),
    ],
)
def test_error_rate(ref, hyp, expected):
    kind, value = scoring.error_rate(ref, hyp)
    assert kind == expected[0] and value == pytest.approx(expected[1])


def test_error_rate_language_overrides_detection_and_empty_script_fails():
    assert scoring.error_rate("abc", "abd", "zh-CN") == ("cer", pytest.approx(1 / 3))
    assert scoring.error_rate("你好 世界", "你好 世界", "en")[0] == "wer"
    with pytest.raises(ValueError):
        scoring.error_rate(" ,.!", "anything")


# -- score_take ------------------------------------------------------------------------------------
async def test_score_take_fills_the_card(signals, tmp_path):
    ref = tmp_path / "ref.wav"
    ref.write_bytes(wav_bytes(np.concatenate([signals["anna"], signals["anna"]])))
    take = wav_bytes(sig.resample(signals["anna"], 16000, 24000), 24000)
    heard = []

    async def transcribe(audio: bytes) -> str:
        heard.append(audio)
        return "the quick brown fox jumps over the lazy dog while a calm voice reads this simple aloud"

    card = await scoring.score_take(str(ref), take, sig.SENTENCES["anna"], transcribe=transcribe)
    assert heard == [take]
    assert card.similarity > 0.95 and card.similarity_ceiling > 0.95
    assert card.wer == pytest.approx(1 / 17, abs=1e-4) and card.cer is None
    assert card.dnsmos_ovrl == pytest.approx(EXPECTED["dnsmos"]["anna"]["ovrl_mos"], abs=0.05)
    assert 1 <= card.dnsmos_p808 <= 5
    assert card.duration_s == pytest.approx(len(signals["anna"]) / 16000, abs=0.01)
    assert -30 < card.loudness_lufs < -10
    assert card.notes == []
    assert set(card.as_dict()) <= set(scoring.SCORE_HELP)


async def test_score_take_notes_what_it_could_not_measure(signals):
    async def failing(audio: bytes) -> str:
        raise ProviderError("The recogniser is busy.", provider="sandbox", hint="Try again.")

    short_ref = wav_bytes(signals["tone"])
    short_take = wav_bytes(signals["anna"][:16000])
    card = await scoring.score_take(short_ref, short_take, "hello", transcribe=failing)
    assert card.similarity is not None and card.similarity_ceiling is None and card.wer is None
    assert any("ceiling" in n for n in card.notes)
    assert any("too short" in n for n in card.notes)
    assert "Transcription failed: The recogniser is busy. Try again." in card.notes

    silent = await scoring.score_take(short_ref, wav_bytes(np.zeros(16000 * 3)), "hello")
    assert silent.similarity is None and silent.dnsmos_ovrl is None and silent.loudness_lufs is None
    assert "The take is silent." in silent.notes


async def test_score_take_rejects_audio_it_cannot_read(signals):
    with pytest.raises(AudioInputError):
        await scoring.score_take(wav_bytes(signals["anna"]), b"not audio at all", "hello")
    with pytest.raises(AudioInputError):
        await scoring.score_take("/nonexistent/ref.wav", wav_bytes(signals["anna"]), "hello")


async def test_takes_scored_at_once_measure_the_reference_once(signals, monkeypatch):
    import asyncio

    from playground.scoring import take as take_module

    ref = wav_bytes(np.concatenate([signals["david"], signals["anna"][:8000]]))  # a reference no other test uses
    calls = []
    original = take_module.measure.self_similarity_of_speech
    monkeypatch.setattr(
        take_module.measure, "self_similarity_of_speech", lambda wav: calls.append(len(wav)) or original(wav)
    )
    cards = await asyncio.gather(*(scoring.score_take(ref, wav_bytes(signals["david"]), "") for _ in range(3)))
    assert len(calls) == 1
    assert len({c.similarity for c in cards}) == 1 and cards[0].similarity > 0.9
