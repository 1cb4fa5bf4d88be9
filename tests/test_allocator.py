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

#: a fresh interpreter reports whether an 8 MiB array was mapped on its own (lost to the
#: kernel when freed) and whether allocating it again after freeing it grew the heap
PROBE = textwrap.dedent("""
    import ctypes, json, sys
    class Info(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in
                    "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks "
                    "keepcost".split()]
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = Info
    tuned = None
    if sys.argv[1] == "tuned":
        from slalang.allocator import reuse_freed_memory
        tuned = reuse_freed_memory()
        assert reuse_freed_memory() is False  # once per process
    import numpy as np, pyarrow as pa
    before = libc.mallinfo2()
    a = np.ones(1 << 20)  # 8 MiB
    mapped = libc.mallinfo2().hblkhd > before.hblkhd
    del a
    heap = libc.mallinfo2().arena
    b = np.ones(1 << 20)
    print(json.dumps({"tuned": tuned, "mapped": mapped,
                      "heap_grew": libc.mallinfo2().arena > heap,
                      "pool": pa.default_memory_pool().backend_name}))
""")


def probe(mode: str) -> dict:
    import json

    out = subprocess.run([sys.executable, "-c", PROBE, mode], check=True, capture_output=True,
                         text=True, env={k: v for k, v in os.environ.items()
                                    if not k.startswith("MALLOC_")})
    return json.loads(out.stdout)


@pytest.mark.skipif(not GLIBC, reason="the heap tuning is glibc's mallopt")
def test_freed_arrays_are_reused_not_returned_to_the_kernel():
    default = probe("default")
    # without the tuning glibc maps a large array on its own and unmaps it when freed
    assert default["mapped"] is True and default["tuned"] is None
    assert default["pool"] != "system"
    tuned = probe("tuned")
    assert tuned == {"tuned": True, "mapped": False, "heap_grew": False, "pool": "system"}


def test_the_command_line_tunes_its_process_and_the_library_does_not(monkeypatch, tmp_path):
    from click.testing import CliRunner

    import slalang.allocator
    from slalang.cli import main

    calls = []
    monkeypatch.setattr(slalang.allocator, "reuse_freed_memory", lambda: calls.append(1))
    tickets = tmp_path / "t.csv"
    tickets.write_text("id,customer,priority,created_at,first_response_at\n"
                       "T1,Acme,P1,2026-08-03T08:30:00+02:00,2026-08-03T08:40:00+02:00\n")
    policy = os.path.join(os.path.dirname(__file__), "..", "policies", "reference.sla")
    r = CliRunner().invoke(main, ["evaluate", policy, "--tickets", str(tickets),
                                  "--as-of", "2026-09-01T00:00:00+02:00"])
    assert r.exit_code in (0, 1), r.output
    assert calls == [1]
    # the Python API (a notebook, the language server) keeps its allocators as they were
    code = ("import slalang.evaluation.drivers, slalang.data, pyarrow as pa; "
            "print(pa.default_memory_pool().backend_name)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.strip()
    assert out != "system"


def test_no_blas_threads_unless_the_user_asks():
    code = "import os, slalang.cli; print(os.environ['OPENBLAS_NUM_THREADS'])"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env=env).stdout.strip()
    assert out == "1"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env={**env, "OPENBLAS_NUM_THREADS": "4"}).stdout.strip()
    assert out == "4"
