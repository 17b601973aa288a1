"""Provider presets (models, voices, limits, example texts) loaded from presets/*.json."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

PRESETS_DIR = Path(__file__).resolve().parent.parent / "presets"


@cache
def load(provider_id: str) -> dict[str, Any]:
    """Return the preset document of one provider (read once, then cached)."""
    path = PRESETS_DIR / f"{provider_id}.json"
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)
