"""What every fuzzer shares: a time budget, a seeded hypothesis loop and a guarded CLI runner.

The default run spends about a minute in all, split evenly between the fuzz tests, and is
seeded so a failure reproduces on the next run. ``pytest tests/fuzz --fuzz-minutes N`` spends N
minutes instead (more batches, each with the next seed; a failure names its batch's seed), and
``--fuzz-seed S`` starts from another seed, to explore new inputs.

A fuzzer takes the ``fuzz`` fixture and hands :meth:`Fuzzer.run` a hypothesis strategy and a
one-argument check; the check usually drives the CLI through ``fuzz.invoke`` (:func:`invoke`),
which fails the test on a traceback, an internal error, an exit code outside {0, 1, 2} or a
run over its time budget. Tests of fixed hostile inputs take the ``cli`` fixture instead (the
same runner) and no share of the budget.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, currently_in_test_context, given, note, seed, settings
from hypothesis import strategies as st

from slalang.cli import main

#: the whole fuzz suite's budget when --fuzz-minutes (declared in tests/conftest.py) is not given
DEFAULT_MINUTES = 1.0
#: the first seed; batch n uses BASE_SEED + n
BASE_SEED = 20261205
#: one CLI run may take this long before it counts as a hang (generous: the CI machine is shared)
RUN_SECONDS = 20.0
#: what must never reach a user
FORBIDDEN_OUTPUT = ("Traceback (most recent call last)", "This is a bug", "internal error")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fuzz: a time-budgeted fuzzer (tests/fuzz)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # the tests taking the `fuzz` fixture share the budget evenly; the others here (fixed
    # hostile inputs through the `cli` fixture) are quick and take no share
    here = [item for item in items if "tests/fuzz/" in item.nodeid.replace("\\", "/")]
    for item in here:
        item.add_marker(pytest.mark.fuzz)
    fuzzers = [item for item in here if "fuzz" in getattr(item, "fixturenames", ())]
    config._fuzz_count = max(len(fuzzers), 1)  # type: ignore[attr-defined]


class RunTooLong(BaseException):
    """Raised by the alarm inside a hanging run. A BaseException, so neither the CLI's guard
    (which turns every Exception into an "internal error") nor CliRunner swallows it."""


@contextlib.contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Interrupt the block after ``seconds`` of wall time (POSIX, main thread)."""

    def _expired(signum, frame):
        raise RunTooLong(f"over its {seconds:g} s budget: {what}")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def invoke(args: Sequence[str], *, input: str | bytes | None = None,
           seconds: float = RUN_SECONDS) -> Result:
    """Run ``slalang ARGS`` in-process and fail on anything a user must never see."""
    runner = CliRunner()
    with time_limit(seconds, "slalang " + " ".join(args)):
        result = runner.invoke(main, list(args), input=input)
    if currently_in_test_context():
        note(f"slalang {' '.join(args)} -> exit {result.exit_code}\n{result.output[-2000:]}")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(
            f"slalang {' '.join(args)} raised {type(result.exception).__name__}: "
            f"{result.exception}") from result.exception
    assert result.exit_code in (0, 1, 2), f"exit code {result.exit_code}"
    for text in FORBIDDEN_OUTPUT:
        assert text not in result.output, f"{text!r} in the output:\n{result.output[-2000:]}"
    return result


@dataclass
class Fuzzer:
    """Runs a check over a strategy in seeded hypothesis batches until the budget is spent."""

    #: wall-time budget of this test, in seconds
    seconds: float
    #: batch n takes seed ``first_seed + n``
    first_seed: int = BASE_SEED

    #: :func:`invoke`, for tests that only take the fixture
    invoke = staticmethod(invoke)

    def run(self, strategy: st.SearchStrategy, check: Callable[[object], None], *,
            batch: int = 10) -> int:
        """Run ``check`` on examples of ``strategy``; at least one batch, then more while the
        budget lasts. Returns the number of batches run."""
        deadline = time.monotonic() + self.seconds
        batches = 0
        while True:
            test = given(strategy)(check)
            test = settings(
                max_examples=batch, deadline=None, database=None, derandomize=False,
                suppress_health_check=list(HealthCheck), print_blob=True,
            )(test)
            # batch n always takes seed first_seed + n: any run, long or short, reproduces
            test = seed(self.first_seed + batches)(test)
            try:
                test()
            except BaseException as exc:
                exc.add_note(f"fuzz batch seed: {self.first_seed + batches} (rerun this batch "
                             f"first with --fuzz-seed {self.first_seed + batches})")
                raise
            batches += 1
            if time.monotonic() >= deadline:
                return batches


@pytest.fixture
def cli() -> Callable[..., Result]:
    """:func:`invoke`: the guarded CLI runner, for tests of fixed inputs."""
    return invoke


@pytest.fixture
def fuzz(request: pytest.FixtureRequest) -> Fuzzer:
    """This test's share of the fuzz budget."""
    minutes = request.config.getoption("--fuzz-minutes")
    total = (DEFAULT_MINUTES if minutes is None else minutes) * 60
    count = getattr(request.config, "_fuzz_count", 1)
    first = request.config.getoption("--fuzz-seed")
    return Fuzzer(seconds=total / count, first_seed=BASE_SEED if first is None else first)
