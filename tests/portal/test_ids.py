"""Public ids: uniform over their alphabet, unpredictable, and made without a system call."""

import os
import random
import string

import pytest

from portal import ids


def test_tokens_have_the_length_and_alphabet_asked_for():
    tokens = {ids.random_token(24) for _ in range(2000)}
    assert len(tokens) == 2000
    assert all(len(t) == 24 and set(t) <= set(string.ascii_letters + string.digits) for t in tokens)
    assert ids.new_id("p", 10).startswith("p_") and len(ids.new_id("p", 10)) == 12


def test_every_character_is_about_as_likely():
    counts: dict[str, int] = {}
    for _ in range(4000):
        for char in ids.random_token(31):
            counts[char] = counts.get(char, 0) + 1
    expected = 4000 * 31 / 62  # 2,000 each
    assert len(counts) == 62
    assert all(abs(n - expected) < 250 for n in counts.values()), counts  # > 5 standard deviations


def test_ids_are_made_without_a_system_call(monkeypatch):
    # os.urandom lets go of the GIL for its system call: a busy server thread waits up to the
    # switch interval to take it back, on every payment call that makes an id.
    def urandom(n):
        raise AssertionError("os.urandom called")

    monkeypatch.setattr(os, "urandom", urandom)
    monkeypatch.setattr(random, "_urandom", urandom)  # what secrets calls
    assert len(ids.random_token(40)) == 40


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_process_does_not_repeat_its_parents_ids():
    ids.random_token(8)  # the generator is seeded in the parent before the fork
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, to the parent
        try:
            os.write(write, "".join(ids.random_token(16) for _ in range(4)).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = os.read(read, 1000).decode()
    os.close(read)
    parent = "".join(ids.random_token(16) for _ in range(4))
    assert len(child) == 64 and child != parent
