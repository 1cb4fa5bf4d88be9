"""The command line run on an input forced into chunks, the chunked engine's calls recorded:
for the tests that a verb which reads every ticket's verdict (``diff``, ``calibrate``) gives
the same output chunk by chunk as read whole."""

from __future__ import annotations

from click.testing import CliRunner, Result


def run_in_chunks(monkeypatch, main, args: list[str]) -> tuple[Result, list[int]]:
    """``args`` run with every input counted as large (read in chunks): the result and the
    chunk size of each call of the chunked engine."""
    from slalang.evaluation import streaming

    chunked: list[int] = []
    real = streaming.evaluate_chunked

    def recorded(*a, **kw):
        chunked.append(kw["chunk_rows"])
        return real(*a, **kw)

    monkeypatch.setattr(streaming, "evaluate_chunked", recorded)
    monkeypatch.setattr("slalang.engines.AUTO_BYTES", 1000)
    return CliRunner().invoke(main, args), chunked
