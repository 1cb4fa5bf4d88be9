"""The command line reuses freed memory (one glibc heap shared with Arrow) and starts no BLAS
threads; the library leaves a host process's allocators alone."""

import os
import subprocess
import sys
import textwrap

import pytest


def _glibc() -> bool:
    try:
        return "glibc" in (os.confstr("CS_GNU_LIBC_VERSION") or "")
    except (ValueError, OSError, AttributeError):
        return False


GLIBC = _glibc()

#: glibc's malloc statistics, for the probes below
MALLINFO = textwrap.dedent("""
    import ctypes, json, os, sys, threading
    class Info(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in
                    "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks "
                    "keepcost".split()]
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = Info
""")

#: a fresh interpreter reports whether an 8 MiB array was mapped on its own (lost to the
#: kernel when freed) and whether allocating it again after freeing it grew the heap
PROBE = MALLINFO + textwrap.dedent("""
    tuned = None
    if sys.argv[1] in ("tuned", "whole"):
        from slalang.allocator import reuse_freed_memory
        tuned = reuse_freed_memory(warm=1 if sys.argv[1] == "whole" else 0)  # 1: no thread
        assert reuse_freed_memory() is False  # once per process
    import numpy as np, pyarrow as pa
    before = libc.mallinfo2()
    a = np.ones(1 << 20)  # 8 MiB
    mapped = libc.mallinfo2().hblkhd > before.hblkhd
    del a
    heap = libc.mallinfo2().arena
    b = np.ones(1 << 20)
    from numpy._core import multiarray
    huge = multiarray._set_madvise_hugepage(True)  # returns what it was
    print(json.dumps({"tuned": tuned, "mapped": mapped,
                      "heap_grew": libc.mallinfo2().arena > heap,
                      "pool": pa.default_memory_pool().backend_name, "huge_pages": huge}))
""")


def probe(mode: str, **environ: str) -> dict:
    import json

    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MALLOC_") and k != "NUMPY_MADVISE_HUGEPAGE"}
    out = subprocess.run([sys.executable, "-c", PROBE, mode], check=True, capture_output=True,
                         text=True, env={**env, **environ})
    return json.loads(out.stdout)


@pytest.mark.skipif(not GLIBC, reason="the heap tuning is glibc's mallopt")
def test_freed_arrays_are_reused_not_returned_to_the_kernel():
    default = probe("default")
    # without the tuning glibc maps a large array on its own and unmaps it when freed
    assert default["mapped"] is True and default["tuned"] is None
    assert default["pool"] != "system"
    tuned = probe("tuned")
    assert tuned == {"tuned": True, "mapped": False, "heap_grew": False, "pool": "system",
                     "huge_pages": True}


@pytest.mark.skipif(not GLIBC or not sys.platform.startswith("linux"),
                    reason="numpy asks for huge pages on Linux only")
def test_a_run_reading_its_input_whole_asks_for_no_huge_pages_unless_the_environment_says():
    # numpy's default on Linux: madvise(MADV_HUGEPAGE) on every array of 4 MiB or more
    assert probe("default")["huge_pages"] is True
    assert probe("whole")["huge_pages"] is False
    assert probe("tuned")["huge_pages"] is True  # a streamed input keeps them
    # the user's explicit choice, in numpy's own variable, is kept
    assert probe("whole", NUMPY_MADVISE_HUGEPAGE="1")["huge_pages"] is True


def test_the_command_line_tunes_its_process_and_the_library_does_not(monkeypatch, tmp_path):
    from click.testing import CliRunner

    import slalang.allocator
    from slalang.cli import main

    calls = []
    monkeypatch.setattr(slalang.allocator, "reuse_freed_memory",
                        lambda warm=0: calls.append(warm))
    tickets = tmp_path / "t.csv"
    tickets.write_text("id,customer,priority,created_at,first_response_at\n"
                       "T1,Alfa Srl,P1,2026-08-03T08:30:00+02:00,2026-08-03T08:40:00+02:00\n")
    policy = os.path.join(os.path.dirname(__file__), "..", "policies", "reference.sla")
    r = CliRunner().invoke(main, ["evaluate", policy, "--tickets", str(tickets),
                                  "--as-of", "2026-09-01T00:00:00+02:00"])
    assert r.exit_code in (0, 1), r.output
    assert calls == [tickets.stat().st_size]  # an in-memory run: its input is warmed for
    # the Python API (a notebook, the language server) keeps its allocators as they were
    code = ("import slalang.evaluation.drivers, slalang.data, pyarrow as pa; "
            "print(pa.default_memory_pool().backend_name)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.strip()
    assert out != "system"


@pytest.mark.parametrize("verb", ["diff", "calibrate", "report", "explain", "amended"])
def test_every_verb_reading_its_input_whole_tunes_its_process(monkeypatch, tmp_path, verb):
    """Without it, a replayed diff of the 1m bench set spent 3.8 s of its 5.9 s in the
    kernel, faulting in fresh pages (benchmarks/README.md)."""
    from click.testing import CliRunner

    import slalang.allocator
    from slalang.cli import main

    calls = []
    monkeypatch.setattr(slalang.allocator, "reuse_freed_memory",
                        lambda warm=0: calls.append(warm))
    tickets = tmp_path / "t.csv"
    tickets.write_text("id,customer,tier,priority,created_at,first_response_at\n"
                       "T1,Alfa Srl,Gold,P1,2026-08-03T08:30:00+02:00,"
                       "2026-08-03T08:40:00+02:00\n")
    events = tmp_path / "e.csv"
    events.write_text("ticket_id,at,status\nT1,2026-08-03T08:35:00+02:00,in_progress\n")
    root = os.path.join(os.path.dirname(__file__), "..")
    policy = os.path.join(root, "policies", "reference.sla")
    amendment = os.path.join(root, "examples", "amendment", "reference-2026.2.sla")
    data = ["--tickets", str(tickets), "--events", str(events)]
    as_of = ["--as-of", "2026-09-01T00:00:00+02:00"]
    args = {
        "diff": ["diff", policy, policy, *data, *as_of],
        "calibrate": ["calibrate", "--policy", policy, *data],
        "report": ["report", policy, *data, *as_of, "--customer", "Alfa Srl",
                   "-o", str(tmp_path / "r.html")],
        "explain": ["explain", policy, *data, "--ticket", "T1", *as_of],
        "amended": ["report", policy, "--amendment", amendment, *data, *as_of,
                    "--customer", "Alfa Srl", "-o", str(tmp_path / "a.html")],
    }[verb]
    r = CliRunner().invoke(main, args)
    assert r.exit_code in (0, 1), r.output  # the verb ran through (1: findings)
    # called before the input is read, with the size of the input it will read whole
    assert calls == [tickets.stat().st_size + events.stat().st_size]


def test_no_blas_threads_unless_the_user_asks():
    code = "import os, slalang.cli; print(os.environ['OPENBLAS_NUM_THREADS'])"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env=env).stdout.strip()
    assert out == "1"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env={**env, "OPENBLAS_NUM_THREADS": "4"}).stdout.strip()
    assert out == "4"


WARM = MALLINFO + textwrap.dedent("""
    from slalang import allocator
    allocator.WARM_MIN = 1 << 20
    if sys.argv[1] == "warm":
        allocator.reuse_freed_memory(warm=200 << 20)  # 300 MiB to warm
        for t in threading.enumerate():
            if t.name == "slalang-warm-heap":
                t.join()
    else:
        allocator.reuse_freed_memory()
    info = libc.mallinfo2()
    import numpy as np
    def resident():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20
    before = resident()
    arrays = [np.ones(1 << 20) for _ in range(25)]  # 200 MiB written
    print(json.dumps({"heap": info.arena >> 20, "in_use": info.uordblks >> 20,
                      "grew": resident() - before}))
""")


@pytest.mark.skipif(not GLIBC, reason="the heap tuning is glibc's mallopt")
def test_a_warmed_heap_is_mapped_before_the_run_writes_it():
    import json

    def run(mode: str) -> dict:
        out = subprocess.run([sys.executable, "-c", WARM, mode], check=True,
                             capture_output=True, text=True)
        return json.loads(out.stdout)

    cold, warm = run("cold"), run("warm")
    assert warm["heap"] >= 280 and warm["in_use"] < 64  # warmed, and given back to the heap
    assert cold["grew"] >= 190  # 200 MiB faulted in (zeroed by the kernel) as written
    assert warm["grew"] < 20  # resident already


INTERLEAVED = MALLINFO + textwrap.dedent("""
    from slalang import allocator
    allocator.WARM_MIN = 1 << 20
    import numpy as np
    allocator.reuse_freed_memory(warm=200 << 20)  # 300 MiB to warm
    warmer = [t for t in threading.enumerate() if t.name == "slalang-warm-heap"]
    kept = []
    while warmer and warmer[0].is_alive():  # the main thread allocates meanwhile, as the
        kept.append(np.ones(1 << 16))       # command line does while it imports
    for t in warmer:
        t.join()
    before = libc.mallinfo2().arena
    arrays = [np.ones(20 << 17) for _ in range(12)]  # 12 arrays of 20 MiB
    print(json.dumps({"kept": len(kept), "grew": (libc.mallinfo2().arena - before) >> 20}))
""")


@pytest.mark.skipif(not GLIBC, reason="the heap tuning is glibc's mallopt")
def test_the_warmed_heap_holds_arrays_larger_than_the_warming_steps():
    """The warmed memory is one free region: arrays larger than the steps it was written in
    (20 MiB against 16) fit in it, even when the main thread allocated while it was warmed.
    Taken as 16 MiB blocks, it was freed as regions separated by those allocations, and the
    12 arrays grew the heap by 240 MiB of fresh memory beside them."""
    import json

    out = json.loads(subprocess.run([sys.executable, "-c", INTERLEAVED], check=True,
                                    capture_output=True, text=True).stdout)
    assert out["grew"] < 40, out


def test_only_a_tuned_process_is_warmed_and_only_for_an_input_read_whole(tmp_path,
                                                                           monkeypatch):
    from slalang import allocator, engines

    monkeypatch.setattr(allocator, "_tuned", False)
    assert allocator.warm_heap(1 << 30) == 0
    small = tmp_path / "t.csv"
    small.write_bytes(b"x" * 1000)
    events = tmp_path / "e.csv"
    events.write_bytes(b"y" * 500)
    assert engines.whole_input_bytes("auto", str(small), str(events)) == 1500
    assert engines.whole_input_bytes("memory", str(small), None) == 1000
    for engine in ("chunks", "dask"):
        assert engines.whole_input_bytes(engine, str(small), None) == 0
    assert engines.whole_input_bytes("auto", str(small), None, chunk_rows=10) == 0
    assert engines.whole_input_bytes("auto", str(tmp_path), None) == 0  # a dataset
    assert engines.whole_input_bytes("auto", str(tmp_path / "missing.csv"), None) == 0
    monkeypatch.setattr(engines, "AUTO_BYTES", 1200)  # auto reads 1500 bytes in chunks
    assert engines.whole_input_bytes("auto", str(small), str(events)) == 0
    assert engines.whole_input_bytes("memory", str(small), str(events)) == 1500
