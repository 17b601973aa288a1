"""The voice library and history: every voice created here and every take, kept per account.

Nothing happens at import: the store opens on first use, in PLAYGROUND_DATA_DIR (default ./data).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from playground.library.store import Store

_stores: dict[Path, Store] = {}
_lock = threading.Lock()


def data_dir() -> Path:
    return Path(os.environ.get("PLAYGROUND_DATA_DIR", "").strip() or "data").resolve()


def default_store() -> Store:
    """The store of the configured data folder (one per folder and process)."""
    path = data_dir()
    with _lock:
        store = _stores.get(path)
        if store is None:
            store = _stores[path] = Store(path)
        return store


__all__ = ["Store", "data_dir", "default_store"]
