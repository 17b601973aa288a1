"""The explicit provider registry: id -> adapter class."""

from __future__ import annotations

from functools import lru_cache

from playground.providers.base import Provider
from playground.providers.openai_compat import OpenAICompat
from playground.providers.siliconflow import SiliconFlow
from playground.providers.zhipu import Zhipu
from playground.providers.minimax import MiniMax
from playground.providers.elevenlabs import ElevenLabs
from playground.providers.fishaudio import FishAudio
from playground.providers.cartesia import Cartesia

PROVIDERS: dict[str, type[Provider]] = {
    "siliconflow": SiliconFlow,
    "openai_compat": OpenAICompat,
    "zhipu": Zhipu,
    "minimax": MiniMax,
    "elevenlabs": ElevenLabs,
    "fishaudio": FishAudio,
    "cartesia": Cartesia,
}


@lru_cache(maxsize=None)
def get(provider_id: str) -> Provider:
    """The shared adapter instance of a provider (stateless apart from its HTTP clients)."""
    return PROVIDERS[provider_id]()
