"""Download files: one folder per request under one folder per process, pruned after KEEP_S."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from playground import downloads


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    monkeypatch.setattr(downloads.tempfile, "gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr(downloads, "_root", None)
    monkeypatch.setattr(downloads, "_last_prune", 0.0)
    return tmp_path


def test_each_write_gets_its_own_folder_under_the_process_root(fresh):
    a = Path(downloads.write("take", "voice.mp3", b"one"))
    b = Path(downloads.write("take", "voice.mp3", b"two"))
    assert a != b and a.name == b.name == "voice.mp3"
    assert a.read_bytes() == b"one" and b.read_bytes() == b"two"
    assert a.parent.parent == b.parent.parent == fresh / f"vcp-downloads-{os.getpid()}"
    assert a.parent.name.startswith("take-")


def test_prune_removes_only_folders_older_than_keep(fresh):
    old = Path(downloads.write("take", "old.wav", b"x"))
    new = Path(downloads.write("take", "new.wav", b"y"))
    past = time.time() - downloads.KEEP_S - 5
    os.utime(old.parent, (past, past))
    assert downloads.prune(force=True) == 1
    assert not old.parent.exists() and new.exists()


def test_prune_runs_at_most_once_a_minute_on_its_own(fresh):
    downloads.write("take", "a.wav", b"x")  # the first write prunes (nothing to do) and starts the clock
    old = Path(downloads.write("take", "b.wav", b"x"))
    past = time.time() - downloads.KEEP_S - 5
    os.utime(old.parent, (past, past))
    assert downloads.prune() == 0  # too soon
    assert downloads.prune(time.time() + downloads.PRUNE_EVERY_S + 1) == 1


def test_root_is_recreated_if_something_removed_it(fresh):
    first = Path(downloads.write("take", "a.wav", b"x"))
    import shutil

    shutil.rmtree(first.parent.parent)
    again = Path(downloads.write("take", "a.wav", b"x"))
    assert again.exists()


def test_folders_of_processes_that_are_gone_are_removed_and_live_ones_kept(fresh):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone = fresh / f"vcp-downloads-{int(dead.stdout)}"
    (gone / "take-x").mkdir(parents=True)
    alive = fresh / f"vcp-downloads-{os.getppid()}"  # the process that started this test run
    alive.mkdir()
    other = fresh / "vcp-downloads-notapid"
    other.mkdir()
    downloads.write("take", "a.wav", b"x")
    assert not gone.exists() and alive.exists() and other.exists()


def test_the_root_goes_at_exit(fresh):
    path = Path(downloads.write("compare", "c.zip", b"z"))
    downloads._remove_root()
    assert not path.parent.parent.exists()
