"""playground.memory: the glibc settings apply where glibc is, and are skipped elsewhere."""

from __future__ import annotations

import platform

import pytest

from playground import memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_tune_malloc_applies_on_glibc(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    assert memory.tune_malloc() is True


def test_tune_malloc_is_a_no_op_without_glibc(monkeypatch):
    monkeypatch.setattr(memory.platform, "libc_ver", lambda: ("", ""))
    assert memory.tune_malloc() is False


def test_environment_settings_win(monkeypatch):
    calls = []

    def mallopt(*args):
        calls.append(args)
        return 1

    class FakeLibc:
        def __init__(self, name):
            self.mallopt = mallopt  # a plain function, like ctypes' foreign function: argtypes can be set

    monkeypatch.setattr(memory.platform, "system", lambda: "Linux")
    monkeypatch.setattr(memory.platform, "libc_ver", lambda: ("glibc", "2.36"))
    monkeypatch.setattr(memory.ctypes, "CDLL", FakeLibc)
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    assert memory.tune_malloc() is True
    assert calls == [(memory.M_MMAP_THRESHOLD, memory.MMAP_THRESHOLD)]
