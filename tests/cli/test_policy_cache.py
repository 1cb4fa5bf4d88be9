"""Checked policies kept between runs: a second run reads the entry instead of parsing and
checking; an edit, a policy with errors, a corrupt entry, an unwritable folder or
SLALANG_NO_CACHE all fall back to reading the policy, never to an error or a stale answer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import slalang.language
from slalang import policy_cache
from slalang.cli import main

ROOT = Path(__file__).resolve().parents[2]
BENCH300 = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("SLALANG_NO_CACHE", raising=False)
    return tmp_path / "cache" / "slalang" / "policies"


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "bench.sla"
    path.write_text((ROOT / "policies" / "bench.sla").read_text(encoding="utf-8"),
                    encoding="utf-8")
    return path


def evaluate(policy: Path):
    return CliRunner().invoke(main, [
        "evaluate", str(policy), "--tickets", str(BENCH300 / "tickets.csv"),
        "--events", str(BENCH300 / "events.csv"), "--as-of", "2030-01-01T00:00:00+00:00"])


def _no_parsing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the policy was parsed again")

    monkeypatch.setattr(slalang.language, "parse", refuse)
    import slalang.cli.check as cli_check

    monkeypatch.setattr(cli_check, "parse", refuse)


def test_a_second_run_reads_the_checked_policy_from_the_cache(cache, policy, monkeypatch):
    first = evaluate(policy)
    assert first.exit_code == 0, first.output
    assert len(list(cache.glob("*.pickle"))) == 1
    _no_parsing(monkeypatch)
    second = evaluate(policy)
    assert second.exit_code == 0, second.output
    assert second.output == first.output


def test_an_edited_policy_is_read_again(cache, policy, monkeypatch):
    assert evaluate(policy).exit_code == 0
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace('policy "Benchmark SLA"', 'policy "Edited SLA"'),
                      encoding="utf-8")
    r = evaluate(policy)
    assert r.exit_code == 0 and "Edited SLA" in r.output
    assert len(list(cache.glob("*.pickle"))) == 2


def test_a_policy_with_errors_is_never_kept(cache, tmp_path):
    broken = tmp_path / "broken.sla"
    broken.write_text("policy {\n", encoding="utf-8")
    for _ in range(2):
        r = evaluate(broken)
        assert r.exit_code == 2 and "broken.sla:" in r.output
    assert not list(cache.glob("*.pickle"))


def test_a_corrupt_entry_is_read_past_and_replaced(cache, policy):
    assert evaluate(policy).exit_code == 0
    (entry,) = cache.glob("*.pickle")
    entry.write_bytes(b"slalang-policy-1\nnot a pickle")
    r = evaluate(policy)
    assert r.exit_code == 0, r.output
    assert policy_cache.cached_policy(str(policy)) is not None  # written anew


def test_no_cache_when_turned_off_or_unwritable(cache, policy, monkeypatch, tmp_path):
    monkeypatch.setenv("SLALANG_NO_CACHE", "1")
    assert evaluate(policy).exit_code == 0
    assert not cache.exists()
    monkeypatch.delenv("SLALANG_NO_CACHE")
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    r = evaluate(policy)
    assert r.exit_code == 0, r.output
    assert "Benchmark SLA" in r.output


def test_the_oldest_entries_go(cache, tmp_path, monkeypatch):
    monkeypatch.setattr(policy_cache, "MAX_ENTRIES", 3)
    from slalang.language import load_policy

    checked = load_policy(ROOT / "policies" / "bench.sla")
    paths = []
    for i in range(5):
        path = tmp_path / f"p{i}.sla"
        path.write_text(f"# {i}\n", encoding="utf-8")
        policy_cache.keep_policy(str(path), checked)
        entry = policy_cache._entry(str(path))
        os.utime(entry, ns=(i * 10**9, i * 10**9))  # in order, whatever the clock's grain
        paths.append(path)
    policy_cache.keep_policy(str(paths[4]), checked)  # a sixth write prunes
    kept = [p for p in paths if policy_cache.cached_policy(str(p)) is not None]
    assert kept == paths[2:]


def test_an_entry_written_by_other_code_is_not_read(cache, policy, monkeypatch):
    """An edited checkout or an upgraded parser changes the code key: the entry is not
    found, and the policy is checked by the code that runs now."""
    assert evaluate(policy).exit_code == 0
    assert policy_cache.cached_policy(str(policy)) is not None
    key = policy_cache._code_key()
    monkeypatch.setattr(policy_cache, "_code_key", lambda: key + "\nslalang/model.py:1:2")
    assert policy_cache.cached_policy(str(policy)) is None
