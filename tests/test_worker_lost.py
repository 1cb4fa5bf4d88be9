"""A worker process killed in the middle of a run (by the system's out-of-memory killer)
ends the run with what happened and what to do, exit 2: it was an internal error that asked
for a bug report ("BrokenProcessPool ... This is a bug in slalang")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dying_task import die_on

from slalang.errors import WorkerLost
from slalang.workpool import TaskPool

ROOT = Path(__file__).resolve().parents[1]


def test_a_task_pool_whose_worker_dies_says_so():
    with TaskPool(2) as pool, pytest.raises(WorkerLost, match="fewer worker processes"):
        assert list(pool.map(die_on, [(k, 5) for k in range(12)]))


def test_a_batch_pool_whose_worker_dies_says_so():
    """The sequential chunked engine's pool (a gzipped export's chunks)."""
    from dying_task import DyingHook

    from slalang.data import read_tickets
    from slalang.evaluation.evaluate import resolve_period
    from slalang.evaluation.kernel import Context
    from slalang.evaluation.workers import BatchPool
    from slalang.language import load_policy
    from slalang.plan import compile_plan

    bench = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"
    table = read_tickets(bench / "tickets.csv", events=bench / "events.csv")
    plan = compile_plan(load_policy(ROOT / "policies" / "bench.sla"))
    period = resolve_period(plan, None, table.created_at)
    context = Context(plan, None, int(period.end), period)
    with pytest.raises(WorkerLost), BatchPool(context, 2, listed=False, verdict_rows=False,
                                              hook=DyingHook()) as pool:
        for _ in range(6):
            list(pool.submit(table))
        list(pool.drain())


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc for the workers")
def test_the_command_line_says_what_to_do_when_a_worker_is_killed(tmp_path):
    """A dataset evaluated on two workers, one killed once the pool is up: the message and
    exit 2, no traceback, nothing about a bug."""
    from slalang.data.dataset import convert

    bench = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"
    convert(bench / "tickets.csv", tmp_path / "ds", bench / "events.csv", partition_rows=1)
    proc = subprocess.Popen(
        [sys.executable, "-m", "slalang", "evaluate", str(ROOT / "policies" / "bench.sla"),
         "--tickets", str(tmp_path / "ds"), "--workers", "2", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = False
    deadline = time.monotonic() + 60
    while not killed and proc.poll() is None and time.monotonic() < deadline:
        for child in _descendants(proc.pid):
            if _is_pool_worker(child):
                os.kill(child, signal.SIGKILL)
                killed = True
                break
        time.sleep(0.01)
    out, err = proc.communicate(timeout=120)
    if not killed:  # the run was quicker than the watcher: nothing to see
        pytest.skip("the run ended before a worker could be killed")
    assert proc.returncode == 2, err
    assert "a worker process ended before its work was done" in err
    assert "bug" not in err and "Traceback" not in err


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    kids = [int(x) for x in fh.read().split()]
                out += kids
                todo += kids
        except OSError:
            continue
    return out


def _is_pool_worker(pid: int) -> bool:
    """A worker of the pool (forked from the fork server), not the fork server itself."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read()
        with open(f"/proc/{pid}/stat") as fh:
            ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        with open(f"/proc/{ppid}/cmdline", "rb") as fh:
            parent = fh.read()
    except OSError:
        return False
    return b"forkserver" in parent and b"forkserver" in cmd


def _pool_script(tmp_path: Path) -> Path:
    """A run of a pool of two workers: it prints their pids once they are up, then waits a
    minute in each."""
    script = tmp_path / "run.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'tests' / 'support')!r})\n"
        "from dying_task import pid_after\n"
        "from slalang.workpool import TaskPool\n"
        "if __name__ == '__main__':  # the workers import this file too\n"
        "    with TaskPool(2) as pool:\n"
        "        print(sorted(set(pool.map(pid_after, [(0.2,)] * 4))), flush=True)\n"
        "        list(pool.map(pid_after, [(60,)] * 4))\n", encoding="utf-8")
    return script


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc for the workers")
def test_workers_end_when_the_run_is_killed(tmp_path):
    """The run itself killed with SIGKILL (the out-of-memory killer, a CI runner's timeout)
    cannot stop its pool: its workers, the fork server and the resource tracker waited
    forever before. Each worker now ends within a few seconds, and with them the rest."""
    script = _pool_script(tmp_path)
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        workers = proc.stdout.readline()
        assert workers.startswith("["), workers
        tree = _descendants(proc.pid)
        assert len(tree) >= 3  # the fork server, its two workers (and the tracker)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and [p for p in tree if _running(p)]:
            time.sleep(0.1)
        assert [p for p in tree if _running(p)] == []
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc for the workers")
def test_workers_end_when_the_killed_run_is_not_reaped(tmp_path):
    """A caller that reads the run's output to its end before it waits (``subprocess.run``
    with ``capture_output``) leaves the killed run a zombie: the workers took it for alive,
    kept the pipes open, and caller and workers waited for each other for good."""
    from slalang.processes import alive, zombie

    script = _pool_script(tmp_path)
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline().startswith(b"[")
        os.kill(proc.pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not zombie(proc.pid):
            time.sleep(0.05)
        assert zombie(proc.pid) and not alive(proc.pid)  # not reaped: its exit status waits
        # the pipes close once every process holding them is gone: read to the end first
        reader = subprocess.Popen(["cat"], stdin=proc.stdout, stdout=subprocess.DEVNULL)
        assert reader.wait(timeout=20) == 0
        assert b"Traceback" not in proc.stderr.read()
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_a_live_process_is_no_zombie():
    from slalang.processes import alive, zombie

    assert alive(os.getpid()) and not zombie(os.getpid())


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, ended but not yet reaped by init, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


SENDER = """
import sys
sys.path.insert(0, {support!r})
from dying_task import big_result
from slalang.errors import WorkerLost
from slalang.workpool import TaskPool
if __name__ == "__main__":
    try:
        with TaskPool(2) as pool:
            for _ in pool.map(big_result, [(k,) for k in range(400)]):
                pass
    except WorkerLost:
        print("worker lost")
        sys.exit(2)
    print("done")
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc for the workers")
def test_a_worker_killed_while_its_result_is_on_the_way_ends_the_run(tmp_path):
    """A worker killed while it wrote a large result into the pipe (the main process
    slow to read, as on a loaded machine) left CPython's executor reading the rest of the
    message for ever: the run hung, SIGTERM included. Large results now come back through
    files, and the worker's death is seen and said. The main process is stopped until a
    worker has its result ready (blocked on the pipe, or its file written and waiting for
    the next task), that worker is killed, and the main process resumed: it must end, with
    WorkerLost, within a minute."""
    script = tmp_path / "send.py"
    script.write_text(SENDER.format(support=str(ROOT / "tests" / "support")), encoding="utf-8")
    run = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not [p for p in _descendants(run.pid) if _is_pool_worker(p)]:
            assert time.monotonic() < deadline and run.poll() is None, "no worker started"
            time.sleep(0.05)
        time.sleep(0.3)  # the workers at work
        os.kill(run.pid, signal.SIGSTOP)
        victim = None
        stopped = time.monotonic()
        while victim is None and time.monotonic() < stopped + 30:
            time.sleep(0.2)
            # a worker blocked writing its result into the pipe is the one to kill; where
            # none ever blocks so (the results go through files), one done with its task
            wanted = ("pipe_write",) if time.monotonic() < stopped + 3 else (
                "pipe_", "futex", "poll")
            for pid in [p for p in _descendants(run.pid) if _is_pool_worker(p)]:
                try:
                    with open(f"/proc/{pid}/wchan") as fh:
                        waiting = fh.read()
                except OSError:
                    continue
                if any(w in waiting for w in wanted):  # e.g. anon_pipe_write
                    victim = pid
                    break
        assert victim is not None, "no worker to kill"
        os.kill(victim, signal.SIGKILL)
        time.sleep(0.2)
        os.kill(run.pid, signal.SIGCONT)
        out, err = run.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the run hung after its worker was killed")
    finally:
        if run.poll() is None:
            os.kill(run.pid, signal.SIGCONT)
            run.kill()
            run.communicate()
    assert (run.returncode, out.strip()) == (2, "worker lost"), err


@pytest.mark.skipif(sys.platform != "linux", reason="a fork server")
def test_workers_ignore_a_slalang_in_the_current_folder(tmp_path):
    """Python 3.11 starts the fork server with the current folder first on its import path:
    a run started in a folder holding another `slalang` (a clone of the project, an older
    copy) had its workers import that one, and all of them died ("a worker process ended
    before its work was done")."""
    script = _pool_script(tmp_path)
    decoy = tmp_path / "here" / "slalang"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text("")  # a package without our modules
    proc = subprocess.Popen([sys.executable, str(script)], cwd=decoy.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        workers = proc.stdout.readline()  # the workers' pids, once they ran a task each
    finally:
        proc.kill()
        err = proc.communicate()[1]
    assert workers.startswith("["), err
    assert str(proc.pid) not in workers
