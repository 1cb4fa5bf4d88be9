"""`--scheduler` is checked before any connection, the same way by `evaluate`, `calibrate`
and `diff`: a malformed address (no port, a scheme Dask has not, `Local`) was Dask's
ValueError shown as an internal error, a port out of range waited out a 30 s timeout, and an
empty value ran on a local cluster; each is now a usage error (exit 2) saying the forms
accepted. `evaluate --engine dask` (or `--scheduler`) on an export, not a dataset, says to
convert it first instead of naming a manifest missing inside the export's path."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main
from slalang.data.dataset import convert
from slalang.evaluation.distributed import SchedulerError, check_scheduler

ROOT = Path(__file__).resolve().parents[2]
BENCH300 = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"
POLICY = str(ROOT / "policies" / "bench.sla")
AS_OF = ["--as-of", "2030-01-01T00:00:00+00:00"]
EXPORT = ["--tickets", str(BENCH300 / "tickets.csv"), "--events", str(BENCH300 / "events.csv")]

#: addresses that cannot be a scheduler, and a word the refusal says of each
BAD = [
    ("bogus", "no port"),
    ("tcp://localhost", "no port"),
    ("Local", "lower case"),
    ("http://localhost:8786", "'http://'"),
    ("", "is empty"),
    ("   ", "is empty"),
    ("tcp://localhost:99999", "out of range"),
    ("localhost:0", "out of range"),
    ("tcp://::1:8786", "brackets"),
    ("tcp://:8786", "no host"),
    ("tcp://host:8786/path", "not a number"),
]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("converted") / "bench300"
    convert(BENCH300 / "tickets.csv", out, BENCH300 / "events.csv")
    return str(out)


def verbs(dataset: str) -> dict[str, list[str]]:
    return {
        "evaluate": ["evaluate", POLICY, "--tickets", dataset, *AS_OF, "-q"],
        "calibrate": ["calibrate", "--policy", POLICY, "--tickets", dataset, *AS_OF, "-q"],
        "diff": ["diff", POLICY, str(ROOT / "policies" / "reference.sla"), "--tickets",
                 dataset, *AS_OF, "-q"],
    }


def refused(args: list[str]) -> str:
    """The usage error a run ends with (exit 2), in people's words."""
    started = time.monotonic()
    r = CliRunner().invoke(main, args)
    # checked before connecting: a port out of range waited 30 s for Dask's timeout
    assert time.monotonic() - started < 10, r.output
    assert r.exit_code == 2, r.output
    assert "internal error" not in r.output and "Traceback" not in r.output, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    return r.output


@pytest.mark.parametrize("verb", ["evaluate", "calibrate", "diff"])
@pytest.mark.parametrize(("address", "said"), BAD)
def test_a_malformed_scheduler_is_a_usage_error(dataset, verb, address, said):
    out = refused([*verbs(dataset)[verb], "--scheduler", address])
    assert "error: --scheduler" in out and said in out, out
    # the forms accepted, so the user can write one
    assert "'local'" in out and "tcp://HOST:PORT" in out and "HOST:PORT" in out, out


def test_diff_without_tickets_refuses_an_empty_scheduler():
    """Without --tickets, --scheduler '' passed the check for options needing data (an
    empty value is false)."""
    out = refused(["diff", POLICY, str(ROOT / "policies" / "reference.sla"),
                   "--scheduler", ""])
    assert "--scheduler is empty" in out, out


@pytest.mark.parametrize("address", [
    "local", "tcp://10.0.0.5:8786", "tls://scheduler.example.com:8786", "localhost:8786",
    "tcp://[::1]:8786", "[::1]:1", "tcp://host:65535"])
def test_the_forms_accepted(address):
    check_scheduler(address, "--scheduler")


@pytest.mark.parametrize(("address", "said"), BAD)
def test_the_library_refuses_as_a_value_error(address, said):
    """What the command line says is what a library caller gets, as a ValueError (a bad
    argument) that the command line shows as a usage error."""
    with pytest.raises(ValueError, match=said) as info:
        check_scheduler(address)
    assert isinstance(info.value, SchedulerError)
    assert str(info.value).startswith("scheduler ")


def test_a_malformed_scheduler_is_refused_before_dask_is_imported(monkeypatch):
    """The library's Dask client checks the address too, before Dask is imported (an
    ImportError here would mean it got that far)."""
    from slalang.evaluation import distributed

    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(SchedulerError, match="no port"):
        distributed._client("tcp://localhost", None)


def test_the_check_does_not_import_dask():
    """The verbs check --scheduler as they parse their options: Dask (seconds to import) is
    loaded only to run."""
    code = ("import sys\n"
            "from slalang.evaluation.distributed import check_scheduler\n"
            "check_scheduler('tcp://localhost:8786')\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('dask', 'distributed')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]", out


@pytest.mark.parametrize("options", [["--engine", "dask"], ["--scheduler", "local"],
                                     ["--engine", "dask", "--scheduler", "local"]])
def test_evaluate_on_dask_needs_a_dataset(options):
    """As calibrate and diff say: an export is converted first (it said
    't.csv/slalang-dataset.json: not a slalang dataset ([Errno 20] Not a directory ...)')."""
    out = refused(["evaluate", POLICY, *EXPORT, *AS_OF, *options, "-q"])
    assert "goes with a dataset written by `slalang convert`" in out, out
    assert "slalang convert --tickets " + str(BENCH300 / "tickets.csv") in out, out
    assert "--events " + str(BENCH300 / "events.csv") + " --out DIR" in out, out
    assert "Not a directory" not in out and "slalang-dataset.json" not in out, out


def test_evaluate_on_dask_with_a_missing_input(tmp_path):
    out = refused(["evaluate", POLICY, "--tickets", str(tmp_path / "none.csv"), *AS_OF,
                   "--engine", "dask", "-q"])
    assert "goes with a dataset" in out and "does not exist" in out, out


@pytest.mark.parametrize("verb", ["evaluate", "calibrate", "diff"])
def test_a_scheduler_where_nothing_listens_is_said_at_once(dataset, verb):
    """A well-formed address whose port refuses the connection: Dask retried for its whole
    30-s connect timeout before it said so."""
    import socket

    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    said = refused([*verbs(dataset)[verb], "--scheduler", address])
    assert f"nothing listens at {address} (the connection was refused)" in said
