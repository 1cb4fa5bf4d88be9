"""The command line run on an input read whole, then forced into chunks, the chunked
engine's calls recorded: for the tests that a verb which reads every ticket's verdict
(``diff``, ``calibrate``) gives the same output chunk by chunk as read whole."""

from __future__ import annotations

from click.testing import CliRunner


def same_in_chunks(monkeypatch, main, args: list[str]) -> str:
    """``args`` run as given, then with every input counted as large (read in chunks, by
    the chunked engine, chunks of the default size): both succeed with the same output,
    which is returned."""
    from slalang.evaluation import streaming

    whole = CliRunner().invoke(main, args)
    assert whole.exit_code == 0, whole.output
    chunked: list[int] = []
    real = streaming.evaluate_chunked

    def recorded(*a, **kw):
        chunked.append(kw["chunk_rows"])
        return real(*a, **kw)

    monkeypatch.setattr(streaming, "evaluate_chunked", recorded)
    monkeypatch.setattr("slalang.engines.AUTO_BYTES", 1000)
    parts = CliRunner().invoke(main, args)
    assert parts.exit_code == 0, parts.output
    assert chunked == [streaming.DEFAULT_CHUNK_ROWS]
    assert parts.output == whole.output
    return parts.output
