"""Progress on standard error: silent for quick runs, in pipes and with --quiet; a counted
step with the time left; a step that cannot count (a file read whole, the evaluation in
memory, the outputs written) redrawn by the ticker with its time so far; erased at the end."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner

from slalang.cli import main
from slalang.cli import progress as pg
from slalang.evaluation.drivers import evaluate_input
from slalang.evaluation.periods import parse_instant
from slalang.language import load_policy
from slalang.plan import compile_plan

ROOT = Path(__file__).resolve().parents[2]
BENCH300 = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_quick_runs_pipes_and_quiet_show_nothing():
    with pg.progress_for(False, io.StringIO()) as p:
        assert p is None  # not a terminal
    with pg.progress_for(True, Terminal()) as p:
        assert p is None
    out, clock = Terminal(), Clock()
    p = pg.Progress(out, clock)
    p("read", 10, 100)
    clock.now += 1.5
    p.tick()
    assert out.getvalue() == ""  # under two seconds: nothing at all


def test_counted_and_uncounted_steps_the_ticker_and_the_end():
    out, clock = Terminal(), Clock()
    p = pg.Progress(out, clock)
    p("read", 0, 0)
    clock.now += 2.5
    p.tick()  # a file read whole: only the time it has taken
    assert out.getvalue().endswith("reading the input: 2 s so far")
    p("evaluate", 1_000_000, 0)
    clock.now += 3.2
    p.tick()
    assert out.getvalue().endswith("evaluating 1,000,000 tickets: 3 s so far")
    drawn = out.getvalue().count("\r")  # the step drawn as it began, then by the ticker
    p.tick()  # drawn a moment ago: not again
    assert out.getvalue().count("\r") == drawn == 3
    p.note("note: evaluating in memory")
    assert out.getvalue().endswith(" " * len("evaluating 1,000,000 tickets: 3 s so far")
                                   + "\rnote: evaluating in memory\n")
    clock.now += 1
    p("evaluate", 3, 4)  # batches: the share done and the time left
    last = "evaluating: 3 of 4 batches (75%), about 1 s left"  # 4.2 s for three
    assert out.getvalue().endswith(last)
    p.close()
    assert out.getvalue().endswith(last + "\r" + " " * len(last) + "\r")
    size = len(out.getvalue())
    clock.now += 5
    p("write", 0, 0)
    p.tick()
    assert len(out.getvalue()) == size  # closed: nothing more drawn


def test_the_memory_engine_reports_its_steps():
    plan = compile_plan(load_policy(ROOT / "policies" / "bench.sla"))
    calls = []
    evaluate_input(plan, BENCH300 / "tickets.csv", BENCH300 / "events.csv",
                   as_of=parse_instant("2030-01-01T00:00:00+00:00"),
                   progress=lambda *a: calls.append(a))
    assert calls == [("read", 0, 0), ("evaluate", 300, 0)]


def test_a_long_run_on_a_terminal_shows_each_step_and_erases_it(monkeypatch, tmp_path):
    """The command end to end, its standard error a terminal and the delay gone."""
    monkeypatch.setattr(pg, "DELAY", 0.0)
    monkeypatch.setattr(pg, "EVERY", 0.0)
    terminal = Terminal()
    real = pg.progress_for
    monkeypatch.setattr(pg, "progress_for", lambda quiet: real(quiet, terminal))
    r = CliRunner().invoke(main, [
        "evaluate", str(ROOT / "policies" / "bench.sla"), "--tickets",
        str(BENCH300 / "tickets.csv"), "--events", str(BENCH300 / "events.csv"),
        "--as-of", "2030-01-01T00:00:00+00:00", "--json", str(tmp_path / "e.json")])
    assert r.exit_code == 0, r.output
    shown = terminal.getvalue()
    for step in ("reading the input", "evaluating 300 tickets", "writing the outputs"):
        assert step in shown
    assert shown.endswith("\r")  # erased: nothing of it stays
    assert "reading" not in r.output  # standard output carries the summary only


def test_a_long_report_shows_its_evaluation_and_each_file_rendered(monkeypatch, tmp_path):
    """`slalang report` evaluates as `evaluate` does, and a folder of reports (5,000
    customers: over a minute) counts the files it renders; --quiet shows nothing."""
    monkeypatch.setattr(pg, "DELAY", 0.0)
    monkeypatch.setattr(pg, "EVERY", 0.0)
    terminal = Terminal()
    real = pg.progress_for
    monkeypatch.setattr(pg, "progress_for", lambda quiet: real(quiet, terminal))
    args = ["report", str(ROOT / "policies" / "reference.sla"), "--tickets",
            str(ROOT / "examples" / "reference" / "tickets.jsonl"),
            "--as-of", "2026-10-01T00:00:00+02:00", "--period", "2026-Q3",
            "-o", f"{tmp_path / 'reports'}/"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    shown = terminal.getvalue()
    files = len(list((tmp_path / "reports").iterdir()))
    assert files > 1
    for step in ("reading the input", "evaluating 277 tickets",
                 f"rendering: {files:,} of {files:,} reports (100%)"):
        assert step in shown, shown
    assert shown.endswith("\r")
    terminal.seek(0)
    terminal.truncate()
    r = CliRunner().invoke(main, [*args[:-1], f"{tmp_path / 'quiet'}/", "--quiet"])
    assert r.exit_code == 0, r.output
    assert terminal.getvalue() == ""


def test_a_large_replay_and_calibration_count_their_chunks(monkeypatch, tmp_path):
    """`diff --tickets` and `calibrate` on an export large enough to go chunk by chunk (the
    10m bench set: 10 s or more each) count the tickets read and the chunks done; --quiet
    shows nothing."""
    monkeypatch.setattr(pg, "DELAY", 0.0)
    monkeypatch.setattr(pg, "EVERY", 0.0)
    monkeypatch.setattr("slalang.engines.AUTO_BYTES", 1000)
    monkeypatch.setattr("slalang.evaluation.streaming.DEFAULT_CHUNK_ROWS", 100)
    terminal = Terminal()
    real = pg.progress_for
    monkeypatch.setattr(pg, "progress_for", lambda quiet: real(quiet, terminal))
    policy = str(ROOT / "policies" / "bench.sla")
    data = ["--tickets", str(BENCH300 / "tickets.csv"), "--events", str(BENCH300 / "events.csv")]
    for args in (["diff", policy, policy, *data],
                 ["calibrate", "--policy", policy, *data, "--tier", "Gold"]):
        terminal.seek(0)
        terminal.truncate()
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 0, r.output
        shown = terminal.getvalue()
        assert "evaluating: 3 of 3 batches (100%)" in shown, (args[0], shown)
        assert "reading" in shown and shown.endswith("\r")
        terminal.seek(0)
        terminal.truncate()
        r = CliRunner().invoke(main, [*args, "--quiet"])
        assert r.exit_code == 0, r.output
        assert terminal.getvalue() == ""


def test_the_line_fits_a_narrow_terminal():
    """On a pane narrower than the line, the line wrapped and "\\r" rewrote only its last
    row: each redraw left a row behind, all still on screen after the run. The line is
    cut to the terminal's width, one column short, read at each draw."""
    import os
    import pty

    leader, follower = pty.openpty()
    try:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 20, 0, 0))
        with open(follower, "w", closefd=False) as terminal:
            clock = Clock()
            p = pg.Progress(terminal, clock)
            clock.now += 3
            p("read", 250_000, 1_000_000)
            p.close()
        drawn = os.read(leader, 4096).decode()
    finally:
        os.close(leader)
        os.close(follower)
    lines = [x for x in drawn.replace("\r\n", "\n").split("\r") if x.strip()]
    assert lines == ["reading: 250,000 of"]  # 19 columns of a 20-column terminal
