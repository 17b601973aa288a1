"""The Arena's pure parts: entrants from the registry, fitting a sample, ratings and agreement,
families in the library (schema 5), the combined score, and the sandbox clone following its sample."""

from __future__ import annotations

import pytest

from playground.arena import entrants, rating, recipes
from playground.arena.speaking import combined
from playground.audio import VoiceSample, wrap_pcm
from tests.conftest import speech_wav


def test_entrants_come_from_the_registry_flags():
    keys = entrants.default_keys()
    assert "siliconflow:upload:FunAudioLLM/CosyVoice2-0.5B" in keys and "minimax:clone:speech-2.8-hd" in keys
    assert "zhipu:clone:glm-tts-clone" in keys and "siliconflow:reference:FunAudioLLM/CosyVoice2-0.5B" in keys
    assert not any(k.startswith("openai_compat") for k in keys)  # it declares no clone support
    assert "fishaudio/fish-speech-1.5" not in " ".join(keys)  # system voices only: nothing to upload
    assert keys[-1] == "siliconflow:control:alex"
    with pytest.raises(Exception, match="Unknown Arena entrant"):
        entrants.by_keys(["nope"])


def test_a_long_sample_gets_each_providers_best_window():
    sample = VoiceSample(speech_wav("A long recording that goes on and on for the arena.", 40.0))
    sf = next(e for e in entrants.all_entrants() if e.key.startswith("siliconflow:upload:FunAudio"))
    fitted = recipes.prepare(sample, sf)
    assert fitted.windowed and fitted.sample.info.duration_s <= 30.0
    mm = next(e for e in entrants.all_entrants() if e.provider_id == "minimax")
    assert not recipes.prepare(sample, mm).windowed  # MiniMax takes up to 5 minutes
    short = VoiceSample(speech_wav("Too short.", 2.0))
    with pytest.raises(Exception, match="at least 10 s"):
        recipes.prepare(short, mm)


def test_elo_and_agreement():
    r = rating.elo({}, "x", "y", "a")
    assert r["x"][0] > 1000 > r["y"][0] and r["x"][1] == r["y"][1] == 1
    tie = rating.elo({}, "x", "y", "tie")
    assert tie["x"][0] == tie["y"][0] == 1000
    assert rating.kendall_tau([1, 2, 3], [10, 20, 30]) == 1.0 and rating.kendall_tau([1, 2, 3], [3, 2, 1]) == -1.0
    votes = [
        {"a": "x", "b": "y", "winner": "a", "a_similarity": 0.9, "b_similarity": 0.7},
        {"a": "y", "b": "x", "winner": "a", "a_similarity": 0.7, "b_similarity": 0.9},
        {"a": "x", "b": "y", "winner": "tie", "a_similarity": 0.9, "b_similarity": 0.7},
    ]
    agree = rating.agreement(votes, {"x": (1010.0, 3), "y": (990.0, 3)})
    assert (agree.decided, agree.agreeing, agree.tau) == (2, 1, 1.0)
    assert "after 10 decided votes (2 so far)" in agree.describe()  # two votes mean nothing yet
    many = rating.agreement(votes[:1] * 10, {"x": (1100.0, 10), "y": (900.0, 10)})
    assert "10 of 10 decided votes (100%)" in many.describe()
    assert rating.interval(0) is None and rating.interval(4) == pytest.approx(340.6, abs=0.5)
    assert rating.interval(100) < rating.interval(10) and rating.interval_text(1).startswith("± ")


def test_combined_keeps_to_the_known_parts():
    assert combined(None) is None
    full = {"similarity": 0.9, "similarity_ceiling": 0.9, "wer": 0.0, "dnsmos_ovrl": 5.0}
    assert combined(full) == 1.0
    assert combined({"similarity": 0.45, "similarity_ceiling": 0.9}) == 0.5


def test_families_reuse_votes_and_ratings(tmp_path):
    from playground.library import db, families
    from playground.library.store import Store

    store = Store(tmp_path)
    assert {"arena_families", "arena_members", "arena_votes", "arena_ratings"} <= {
        r[0] for r in store.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    assert store.execute("PRAGMA user_version")[0][0] == db.SCHEMA_VERSION
    fid, new = families.family_for(store, "me", b"RIFF-sample", "wav", "hello")
    assert new and families.family_for(store, "me", b"RIFF-sample", "wav", "hello") == (fid, False)
    assert families.family_for(store, "someone else", b"RIFF-sample", "wav", "hello")[0] != fid
    assert families.family(store, fid, "someone else") is None
    assert families.family(store, fid, "me")["sample"] == b"RIFF-sample"
    families.add_member(store, fid, "zhipu:clone:glm-tts-clone", "scope", "zhipu", "glm-tts-clone", "voice_1")
    assert families.member(store, fid, "zhipu:clone:glm-tts-clone", "scope")["voice_id"] == "voice_1"
    families.add_vote(store, fid, "en-question", "x", "y", "a", 0.9, 0.7, rating.elo({}, "x", "y", "a"))
    assert families.ratings(store, fid)["x"][1] == 1 and len(families.votes(store, fid)) == 1
    store.close()
    reopened = Store(tmp_path)  # the family's sample survives the orphan sweep at open
    assert families.family(reopened, fid, "me")["sample"] == b"RIFF-sample"
    reopened.close()


def test_the_sandbox_clone_follows_its_sample():
    import math

    import numpy as np

    from playground.sandbox import speech, voice_match

    def f0(voice: str) -> float:
        pcm = speech.synthesize_pcm("Hello, this is my voice. I am recording a sample.", voice, 1.0)
        x = np.frombuffer(pcm, dtype=np.int16).astype(np.float64) / 32768.0
        return voice_match.fundamental_hz(
            np.interp(np.arange(0, len(x), speech.ESPEAK_RATE / voice_match.RATE), np.arange(len(x)), x)
        )

    for speaker in ("arena-unit-speaker-1", "arena-unit-speaker-2"):
        pcm = speech.synthesize_pcm("Hello, this is my voice. I am recording a sample.", speaker, 1.0)
        choice = voice_match.register(f"clone-of-{speaker}", wrap_pcm(pcm, speech.ESPEAK_RATE))
        assert choice is not None and speech.variant_for(f"clone-of-{speaker}") == choice  # the clone speaks with it
        semitones = 12 * abs(math.log2(f0(f"clone-of-{speaker}") / f0(speaker)))
        assert semitones < 2.0, (speaker, speech.variant_for(speaker), choice, semitones)


def test_a_voice_the_provider_lost_is_cloned_again(sandbox):
    import asyncio

    from playground.arena import cloning

    sample = VoiceSample(speech_wav("A sample whose clone the sandbox forgets.", 4.0))
    chosen = entrants.by_keys(["siliconflow:upload:FunAudioLLM/CosyVoice2-0.5B"])

    async def run():
        tables = [table async for table in cloning.clone_everywhere(sample, "A sample.", True, chosen)]
        return tables[-1]

    first = asyncio.run(run())
    assert first.rows[0].state == "ready"
    assert asyncio.run(run()).rows[0].state == "reused"
    for voices in sandbox.state.store["siliconflow_voices"].values():  # the simulator lost this voice
        voices.pop(first.rows[0].voice_id, None)
    again = asyncio.run(run())
    assert again.rows[0].state == "ready" and "cloned again" in " ".join(again.rows[0].notes)
    assert again.rows[0].voice_id != first.rows[0].voice_id


def test_a_retried_row_replaces_its_line():
    from playground.ui.arena_handlers import _merge

    old = [["A", "❌ failed", "boom", 1.0, ""], ["B", "✅ ready", "ok", 2.0, ""]]
    assert _merge(old, [["A", "✅ ready", "cloned", 0.5, ""]]) == [["A", "✅ ready", "cloned", 0.5, ""], old[1]]
    assert _merge(None, [["C", "✅ ready", "", 0.1, ""]]) == [["C", "✅ ready", "", 0.1, ""]]


def test_families_are_listed_exported_and_removed(tmp_path):
    import io
    import json
    import zipfile

    from playground.library import families
    from playground.library.store import Store

    store = Store(tmp_path)
    fid, _ = families.family_for(store, "me", b"RIFF-sample", "wav", "hello there")
    other, _ = families.family_for(store, "me", b"RIFF-other", "wav", "another")
    families.add_member(store, fid, "zhipu:clone:glm-tts-clone", "scope", "zhipu", "glm-tts-clone", "voice_1")
    families.add_vote(store, fid, "en-question", "x", "y", "tie", 0.9, 0.7, rating.elo({}, "x", "y", "tie"))
    for n in (1, 2):
        store.add_take(
            "me", "zhipu", audio=b"RIFF-take%d" % n, fmt="wav", handler="arena", params={"family": fid, "take": n}
        )
    store.add_take("me", "zhipu", audio=b"RIFF-x", fmt="wav", handler="arena", params={"family": other})
    listed = {r["id"]: r for r in families.list_families(store, "me")}
    assert listed[fid]["voices"] == 1 and listed[fid]["votes"] == 1 and listed[fid]["takes"] == 2
    assert families.list_families(store, "someone else") == []
    assert families.export_family(store, fid, "someone else") is None
    zf = zipfile.ZipFile(io.BytesIO(families.export_family(store, fid, "me")))
    info = json.loads(zf.read("family.json"))
    assert zf.read("reference.wav") == b"RIFF-sample" and info["voices"][0]["voice_id"] == "voice_1"
    assert len(info["takes"]) == 2 and all(zf.read(t["file"]).startswith(b"RIFF-take") for t in info["takes"])
    assert families.remove_family(store, fid, "someone else") == -1
    assert families.remove_family(store, fid, "me") == 2
    assert families.family(store, fid, "me") is None and families.members(store, fid) == []
    assert [r["id"] for r in families.list_families(store, "me")] == [other] and len(store.takes(["me"])) == 1
    store.close()
