"""The `slalang` process ends as Python would (threads joined, atexit handlers run, output
flushed, the exit code kept), without the interpreter's teardown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)


def test_threads_and_exit_handlers_finish_before_the_process_ends(tmp_path):
    code = (
        "import atexit, threading, time, sys\n"
        "from slalang.cli.process_exit import exit_process\n"
        "def late():\n"
        "    time.sleep(0.3)\n"
        "    open('thread.txt', 'w').write('done')\n"
        "threading.Thread(target=late).start()\n"
        "atexit.register(lambda: open('atexit.txt', 'w').write(open('thread.txt').read()))\n"
        "sys.stdout.write('x' * 100000)  # buffered: flushed before the end\n"
        "exit_process(3)\n")
    run = _python(code, tmp_path)
    assert run.returncode == 3, run.stderr
    assert len(run.stdout) == 100000
    assert (tmp_path / "atexit.txt").read_text() == "done"


def test_codes_other_than_numbers_take_pythons_way_out(tmp_path):
    run = _python("from slalang.cli.process_exit import exit_process\n"
                  "exit_process('stopped: a message')\n", tmp_path)
    assert run.returncode == 1 and run.stderr.strip() == "stopped: a message"
    run = _python("from slalang.cli.process_exit import exit_process\n"
                  "exit_process(None)\n", tmp_path)
    assert run.returncode == 0


def test_a_child_process_still_running_takes_pythons_way_out(tmp_path):
    """multiprocessing ends its children at exit; a fast exit would orphan one."""
    code = (
        "import multiprocessing, time\n"
        "from slalang.cli.process_exit import exit_process, _quiet\n"
        "if __name__ == '__main__':\n"
        "    p = multiprocessing.get_context('spawn').Process(target=time.sleep, args=(0.2,))\n"
        "    p.start()\n"
        "    print(_quiet())\n"
        "    p.join()\n"
        "    print(_quiet())\n"
        "    exit_process(0)\n")
    script = tmp_path / "child.py"
    script.write_text(code)
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert run.returncode == 0 and run.stdout.split() == ["False", "True"], run.stderr


def test_the_command_line_keeps_its_exit_codes_and_outputs(tmp_path):
    policy = str(ROOT / "policies" / "bench.sla")
    base = [sys.executable, "-m", "slalang", "evaluate", policy, "--tickets",
            str(BENCH / "tickets.csv"), "--events", str(BENCH / "events.csv"),
            "--as-of", "2030-01-01T00:00:00+00:00"]
    out = tmp_path / "ev.json"
    run = subprocess.run([*base, "--json", str(out), "--fail-on", "objective"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 1, run.stderr  # objectives missed in the fixture
    assert json.loads(out.read_text())["objectives_missed"] > 0
    assert run.stdout.endswith("credits owed: none\n")
    run = subprocess.run([*base, "--format", "json"], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert run.returncode == 0 and json.loads(run.stdout)["counts"]
    run = subprocess.run([*base, "--period", "2024-13"], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert run.returncode == 2 and "error" in run.stderr.lower()
    run = subprocess.run([sys.executable, "-m", "slalang", "--version"], capture_output=True,
                         text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0 and run.stdout.startswith("slalang, version")


def test_a_run_under_a_profiler_ends_as_python_ends_it(tmp_path):
    """A profiler started with the program reports once it returns: ending the process
    before would lose the report (`python -m cProfile -m slalang ...` printed nothing)."""
    run = subprocess.run([sys.executable, "-m", "cProfile", "-m", "slalang", "--version"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("slalang, version") and "function calls" in run.stdout
