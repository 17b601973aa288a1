"""Bad-input corpus through the named API endpoints (gradio_client): every one must end in a
clear AppError (a readable message, no traceback, no "Unexpected error"), never a hang."""

from __future__ import annotations

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from tests.conftest import tone_wav
from tests.integration.test_siliconflow import SPEAK_DEFAULTS

pytestmark = pytest.mark.timeout(60)
SF = "FunAudioLLM/CosyVoice2-0.5B"

# -- files: (name, bytes) ----------------------------------------------------------------------------
_WAV = tone_wav(2.0)
FILES = {
    "zero-length.wav": b"",
    "silent.wav": tone_wav(3.0, amplitude=0.0),
    "near-silent.wav": tone_wav(3.0, amplitude=0.0005),
    "corrupt.wav": b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\xff" * 200,
    "truncated.wav": _WAV[:60],
    "header-only.wav": _WAV[:44],
    "too-short.wav": tone_wav(0.05),
    "too-long.wav": tone_wav(45.0, rate=8000),
    "text-as.mp3": b"This is not audio at all, just a text file renamed to mp3.\n" * 20,
    "png-as.wav": b"\x89PNG\r\n\x1a\n" + b"\x00" * 500,
    "wrong-extension.txt": b"%PDF-1.4\n" + b"0" * 800,
    "random-bytes.m4a": bytes(range(256)) * 8,
    "html.webm": b"<!doctype html><html><body>not audio</body></html>",
    "zip.ogg": b"PK\x03\x04" + b"\x00" * 300,
}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad-inputs")
    paths = {}
    for name, data in FILES.items():
        path = folder / name
        path.write_bytes(data)
        paths[name] = str(path)
    return paths


def assert_clear(exc: AppError) -> None:
    text = str(exc)
    assert text.strip(), "an empty error"
    assert "Traceback" not in text and "Unexpected error" not in text, text
    assert len(text) > 15, text


@pytest.mark.parametrize("name", sorted(FILES))
def test_bad_voice_files_upload_to_siliconflow(client, bad_files, name):
    with pytest.raises(AppError) as caught:
        client.predict(
            audio=handle_file(bad_files[name]),
            name="bad",
            transcript="Hello there.",
            model=SF,
            send_as="multipart",
            consent=True,
            api_key="",
            api_name="/siliconflow_upload",
        )
    assert_clear(caught.value)
    assert "right to clone" not in str(caught.value)  # the file itself was refused, not the missing consent


@pytest.mark.parametrize(
    "name", ["zero-length.wav", "silent.wav", "corrupt.wav", "text-as.mp3", "png-as.wav", "truncated.wav"]
)
def test_bad_voice_files_upload_to_zhipu(client, bad_files, name):
    with pytest.raises(AppError) as caught:
        client.predict(audio=handle_file(bad_files[name]), consent=True, api_key="", api_name="/zhipu_upload")
    assert_clear(caught.value)
    assert "right to clone" not in str(caught.value)


@pytest.mark.parametrize("name", ["silent.wav", "corrupt.wav", "random-bytes.m4a"])
def test_bad_reference_clips_for_siliconflow_speech(client, bad_files, name):
    with pytest.raises(AppError) as caught:
        client.predict(
            **{
                **SPEAK_DEFAULTS,
                "voice_source": "reference",
                "voice": None,
                "reference_audio": handle_file(bad_files[name]),
                "reference_text": "Hello.",
            },
            api_name="/siliconflow_speak",
        )
    assert_clear(caught.value)


# -- text, numbers, voices ---------------------------------------------------------------------------
BAD_SPEAK = {
    "empty text": {"text": ""},
    "whitespace text": {"text": " \n\t  "},
    "only control characters": {"text": "\x00\x01\x02\x7f"},
    "over the limit": {"text": "a" * 128_001},
    "speed too high": {"speed": 9.0},
    "speed negative": {"speed": -1.0},
    "gain too high": {"gain": 50.0},
    "sample rate not offered": {"sample_rate": 12345},
    "unknown format": {"response_format": "aiff"},
    "unknown model": {"model": "no/such-model"},
    "unknown system voice": {"voice": f"{SF}:nobody"},
    "voice of another model": {"voice": "fishaudio/fish-speech-1.5:alex"},
    "unknown uploaded voice": {"voice": "speech:ghost:sandbox:0000000000000000"},
    "bad voice source": {"voice_source": "telepathy"},
}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(v, id=k) if not hasattr(v, "marks") else pytest.param(*v.values, id=k, marks=v.marks)
        for k, v in BAD_SPEAK.items()
    ],
)
def test_bad_speech_requests_to_siliconflow(client, case):
    with pytest.raises(AppError) as caught:
        client.predict(**{**SPEAK_DEFAULTS, **case}, api_name="/siliconflow_speak")
    assert_clear(caught.value)


BAD_OTHER = {
    "minimax empty text": ("/minimax_speak", {"text": "   "}),
    "minimax unknown voice": ("/minimax_speak", {"text": "Hello.", "voice_id": "No_Such_Voice_123"}),
    "minimax speed out of range": ("/minimax_speak", {"text": "Hello.", "speed": 7.0}),
    "zhipu empty text": ("/zhipu_speak", {"text": ""}),
    "zhipu unknown voice": ("/zhipu_speak", {"text": "Hello.", "voice": "voice_does_not_exist"}),
    "zhipu speed out of range": ("/zhipu_speak", {"text": "Hello.", "speed": 5.0}),
    "openai empty text": ("/openai_speak", {"text": "\t"}),
    "openai speed out of range": ("/openai_speak", {"text": "Hello.", "speed": 10.0}),
    "openai over the limit": ("/openai_speak", {"text": "b" * 5000}),
    "mixed script control characters": ("/zhipu_speak", {"text": "\x00\x1b[31m"}),
}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(v, id=k) if not hasattr(v, "marks") else pytest.param(*v.values, id=k, marks=v.marks)
        for k, v in BAD_OTHER.items()
    ],
)
def test_bad_requests_to_other_providers(client, case):
    api, kwargs = case
    with pytest.raises(AppError) as caught:
        client.predict(**kwargs, api_name=api)
    assert_clear(caught.value)


def test_a_good_mixed_script_text_still_works(client):
    """The corpus is about failures; a normal mixed-script sentence is not one of them."""
    client.predict(**{**SPEAK_DEFAULTS, "text": "Hello 你好, ça va? Привет!"}, api_name="/siliconflow_speak")


def test_corpus_size():
    assert len(FILES) + 6 + 3 + len(BAD_SPEAK) + len(BAD_OTHER) >= 40
    assert len(EL_FILES) + len(BAD_ELEVENLABS_SPEAK) >= 25


# -- ElevenLabs: through the adapter over real HTTP to its simulator (it has no tab yet) -----------------------
EL_FILES = sorted(set(FILES) - {"too-long.wav"})  # ElevenLabs documents no maximum length: 45 s is a fine sample


# -- providers without a tab yet (the tab builder adds their endpoints): the same corpus at the adapter --------
def assert_clear_error(exc) -> None:
    from playground import config

    text = exc.user_message()
    assert text.strip() and len(text) > 15 and "Traceback" not in text and config.SANDBOX_KEY not in text, text


@pytest.mark.parametrize("name", EL_FILES)
async def test_bad_voice_files_clone_with_elevenlabs(sandbox, name):
    from playground import errors, providers
    from playground.audio import VoiceSample
    from playground.providers.elevenlabs import ElevenLabsClone

    sample = VoiceSample(FILES[name], filename=name)
    with pytest.raises(errors.PlaygroundError) as caught:
        await providers.get("elevenlabs").clone_voice(ElevenLabsClone(samples=[sample], name="bad"))
    assert_clear_error(caught.value)
    assert isinstance(caught.value, errors.InputError)  # refused before anything was uploaded
    assert not [r for r in sandbox.requests("elevenlabs") if r["path"].endswith("/voices/add")]


BAD_ELEVENLABS_SPEAK = {
    "empty text": {"text": ""},
    "whitespace text": {"text": " \n\t "},
    "control characters": {"text": "\x00\x01\x7f"},
    "over the model limit": {"text": "a" * 10_001},
    "over the v3 limit": {"text": "a" * 3_001, "model_id": "eleven_v3"},
    "unknown model": {"model_id": "eleven_v9"},
    "unknown output format": {"output_format": "aiff_44100"},
    "speed too high": {"speed": 9.0},
    "stability negative": {"stability": -1.0},
    "seed too big": {"seed": 2**32},
    "language_code on multilingual v2": {"language_code": "en"},
    "latency level 9": {"optimize_streaming_latency": 9},
    "path in the voice id": {"voice_id": "../v1/user/subscription"},
    "unknown voice": {"voice_id": "NoSuchVoice000000000"},
}


@pytest.mark.parametrize("case", list(BAD_ELEVENLABS_SPEAK.values()), ids=list(BAD_ELEVENLABS_SPEAK))
async def test_bad_speech_requests_to_elevenlabs(sandbox, case):
    from playground import errors, providers
    from playground.providers.elevenlabs import ElevenLabsSpeech

    with pytest.raises(errors.PlaygroundError) as caught:
        await providers.get("elevenlabs").speak(ElevenLabsSpeech(**{"text": "Hello.", **case}))
    assert_clear_error(caught.value)


ADAPTER_BAD_FILES = sorted(set(FILES) - {"too-long.wav"})  # 45 s is fine where no maximum is documented


@pytest.mark.parametrize("name", ADAPTER_BAD_FILES)
async def test_bad_voice_files_for_fish_audio_clone(sandbox, name):
    from playground import errors, providers
    from playground.audio import VoiceSample
    from playground.providers.fishaudio import FishClone

    with pytest.raises(errors.PlaygroundError) as caught:
        await providers.get("fishaudio").clone_voice(
            FishClone(samples=[VoiceSample(FILES[name], filename=name)], title="bad")
        )
    assert_clear_error(caught.value)
    assert not sandbox.requests("fishaudio"), "a bad file was sent"


BAD_FISH_SPEAK = {
    "empty text": {"text": ""},
    "only control characters": {"text": "\x00\x01\x02\x7f"},
    "over the limit": {"text": "a" * 10_001},
    "speed out of range": {"speed": 9.0},
    "volume out of range": {"volume": 99.0},
    "temperature out of range": {"temperature": 2.0},
    "sample rate not offered": {"sample_rate": 12345},
    "unknown format": {"format": "aiff"},
    "unknown model": {"model": "no-such-model"},
    "unknown model id": {"reference_id": "f" * 32},
    "reference clip is silent": {"reference_id": None, "references": "silent.wav"},
    "reference clip is corrupt": {"reference_id": None, "references": "corrupt.wav"},
}


@pytest.mark.parametrize("case", list(BAD_FISH_SPEAK.values()), ids=list(BAD_FISH_SPEAK))
async def test_bad_speech_requests_to_fish_audio(sandbox, case):
    from playground import errors, providers
    from playground.audio import VoiceSample
    from playground.providers.fishaudio import FishReference, FishSpeech

    kwargs = {"text": "Hello.", "reference_id": "7f92f8afb8ec43bf81429cc1c9199cb1", **case}
    if isinstance(kwargs.get("references"), str):
        kwargs["references"] = [FishReference(VoiceSample(FILES[kwargs["references"]]), "Hello.")]
    with pytest.raises(errors.PlaygroundError) as caught:
        await providers.get("fishaudio").speak(FishSpeech(**kwargs))
    assert_clear_error(caught.value)


@pytest.mark.parametrize("name", sorted(FILES))
async def test_bad_voice_files_for_cartesia_clone(sandbox, name):
    from playground import errors, providers
    from playground.audio import VoiceSample
    from playground.providers.cartesia import CartesiaClone

    with pytest.raises(errors.PlaygroundError) as caught:
        await providers.get("cartesia").clone_voice(
            CartesiaClone(sample=VoiceSample(FILES[name], filename=name), name="bad")
        )
    assert_clear_error(caught.value)
    assert not sandbox.requests("cartesia"), "a bad file was sent"


BAD_CARTESIA_SPEAK = {
    "empty text": {"text": " "},
    "only control characters": {"text": "\x00\x1b[31m"},
    "over the limit": {"text": "a" * 5_001},
    "no voice": {"voice": ""},
    "unknown voice": {"voice": "00000000-0000-4000-8000-000000000000"},
    "unknown model": {"model": "sonic-9"},
    "unknown language": {"language": "klingon"},
    "mp3 streamed": {"container": "mp3", "stream": True},
    "mp3 bit rate in kbps": {"container": "mp3", "bit_rate": 128},
    "sample rate not offered": {"sample_rate": 12345},
    "speed out of range": {"gen_speed": 3.0},
    "emotion unknown": {"emotion": "bored"},
    "generation_config on sonic-2": {"model": "sonic-2", "gen_volume": 1.5},
    "unsupported version": {"version": "2024-06-10"},
}


@pytest.mark.parametrize("case", list(BAD_CARTESIA_SPEAK.values()), ids=list(BAD_CARTESIA_SPEAK))
async def test_bad_speech_requests_to_cartesia(sandbox, case):
    from playground import errors, providers
    from playground.providers.cartesia import CartesiaSpeech

    kwargs = {"text": "Hello.", "voice": "694f9389-aac1-45b6-b726-9d9369183238", **case}
    with pytest.raises(errors.PlaygroundError) as caught:
        await providers.get("cartesia").speak(CartesiaSpeech(**kwargs))
    assert_clear_error(caught.value)
