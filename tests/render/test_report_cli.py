"""`slalang report` on the command line: outputs, history, errors and exit codes."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from slalang.cli import main

INPUT = Path(__file__).parent / "golden" / "report-input"
EVALUATION = str(INPUT / "evaluation-2026-Q3.json")
VERDICTS = str(INPUT / "verdicts-2026-Q3.csv")


def run(*args: str):
    return CliRunner().invoke(main, ["report", *args])


def test_from_json_writes_the_golden_report(tmp_path: Path) -> None:
    out = tmp_path / "q3.md"
    result = run("--from-json", EVALUATION, "--verdicts", VERDICTS, "--lang", "it", "--combined",
                 "-o", str(out))
    assert result.exit_code == 0, result.output
    golden = Path(__file__).parent / "golden" / "report-q3.it.md"
    assert out.read_text(encoding="utf-8") == golden.read_text(encoding="utf-8")


def test_from_json_alone_is_the_full_report(tmp_path: Path) -> None:
    out = tmp_path / "q3.md"
    result = run("--from-json", EVALUATION, "--lang", "it", "--combined", "-o", str(out))
    assert result.exit_code == 0, result.output
    golden = Path(__file__).parent / "golden" / "report-q3.it.md"
    assert out.read_text(encoding="utf-8") == golden.read_text(encoding="utf-8")


def test_format_follows_the_output_name_and_month_selection(tmp_path: Path) -> None:
    out = tmp_path / "sep.html"
    result = run("--from-json", EVALUATION, "--period", "2026-09", "--combined", "-o", str(out))
    assert result.exit_code == 0, result.output
    golden = Path(__file__).parent / "golden" / "report-2026-09.en.html"
    assert out.read_text(encoding="utf-8") == golden.read_text(encoding="utf-8")


def test_stdout_customer_portfolio_public() -> None:
    result = run("--from-json", EVALUATION, "--customer", "Gamma Snc")
    assert result.exit_code == 0 and "Gamma Snc" in result.output
    assert "Alfa Srl" not in result.output
    result = run("--from-json", EVALUATION, "--portfolio")
    assert result.exit_code == 0 and "Worst offenders" in result.output
    result = run("--from-json", EVALUATION, "--public", "--format", "html")
    assert result.exit_code == 0 and result.output.startswith("<!DOCTYPE html>")
    assert "Alfa" not in result.output


def test_record_then_history_trend(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    result = run("--from-json", EVALUATION, "--record", str(db), "-o", str(tmp_path / "a") + "/")
    assert result.exit_code == 0, result.output
    assert "recorded 9 customer-month(s)" in result.output
    out = tmp_path / "sep.html"
    result = run("--from-json", EVALUATION, "--period", "2026-09", "--history", str(db),
                 "--customer", "Alfa Srl", "-o", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "Monthly trend · Response time (history)" in html


def test_usage_and_input_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    cases = [
        (["--from-json", EVALUATION, "--portfolio", "--public"], "choose one of"),
        ([], "give a saved evaluation"),
        (["--from-json", str(tmp_path / "missing.json")], "No such file"),
        (["--from-json", str(bad)], "not valid JSON"),
        (["--from-json", EVALUATION, "--customer", "Nobody"], "no customer 'Nobody'"),
        (["--from-json", EVALUATION, "--period", "2026-12"], "not in the evaluated period"),
        (["--from-json", EVALUATION, "--period", "soon"], "give a month"),
        (["--from-json", EVALUATION, "--history", str(tmp_path / "none.sqlite")],
         "no such history database"),
        (["--from-json", EVALUATION, "--as-of", "2026-09-01T00:00:00+02:00"], "fixed by"),
        (["--verdicts", VERDICTS, "policies/reference.sla", "--tickets", "t.jsonl"],
         "--verdicts goes with --from-json"),
    ]
    for args, message in cases:
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output


def test_failed_render_leaves_no_output(tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    out.write_text("previous", encoding="utf-8")
    result = run("--from-json", EVALUATION, "--customer", "Nobody", "-o", str(out))
    assert result.exit_code == 2
    assert out.read_text(encoding="utf-8") == "previous"


ROOT = Path(__file__).resolve().parents[2]
DATA = [str(ROOT / "policies" / "reference.sla"),
        "--tickets", str(ROOT / "examples" / "reference" / "tickets.jsonl"),
        "--downtime", str(ROOT / "examples" / "reference" / "downtime.csv"),
        "--period", "2026-Q3"]


def test_a_report_of_one_customer_from_the_data_is_the_one_from_the_whole_json(
        tmp_path: Path) -> None:
    """From POLICY and data, a report of one customer is built from that customer's part of
    the evaluation alone (5,000 customers of the 1m bench set: 14.0 s, then 2.1 s): the same
    bytes as from the whole evaluation saved with --json."""
    saved = tmp_path / "ev.json"
    result = CliRunner().invoke(main, ["evaluate", *DATA, "--json", str(saved)])
    assert result.exit_code in (0, 1), result.output
    direct, from_json = tmp_path / "direct.html", tmp_path / "saved.html"
    assert run(*DATA, "--customer", "Beta SpA", "-o", str(direct)).exit_code == 0
    assert run("--from-json", str(saved), "--customer", "Beta SpA",
               "-o", str(from_json)).exit_code == 0
    assert direct.read_bytes() == from_json.read_bytes()
    # a name not in the evaluation: the error still names the customers there are
    result = run(*DATA, "--customer", "Beta Spa", "-o", str(tmp_path / "x.html"))
    assert result.exit_code == 2
    assert "no customer 'Beta Spa' in the evaluation; did you mean 'Beta SpA'?" in result.output
    # --record keeps every customer's months, whichever customer the report is for
    db = tmp_path / "h.sqlite"
    result = run(*DATA, "--customer", "Beta SpA", "--record", str(db),
                 "-o", str(tmp_path / "r.html"))
    assert result.exit_code == 0, result.output
    assert "recorded 9 customer-month(s)" in result.output


def test_several_customers_for_one_file_is_said_before_the_document_is_built(
        tmp_path: Path, monkeypatch) -> None:
    """The 1m bench set's 5,000 customers for one file were refused after 28 s, once the
    whole evaluation document was built and read."""
    import slalang.evaluation.output.json as json_output

    def never(*args, **kwargs):
        raise AssertionError("the document was built")

    monkeypatch.setattr(json_output, "evaluation_to_json", never)
    out = tmp_path / "all.html"
    result = run(*DATA, "-o", str(out))
    assert result.exit_code == 2, result.output
    assert ("the evaluation covers 3 customers (Alfa Srl, Beta SpA, Gamma Snc); each "
            "customer's report goes in a file of its own") in result.output
    assert not out.exists()
    # a missing history database is still the first error
    result = run(*DATA, "--history", str(tmp_path / "none.sqlite"), "-o", str(out))
    assert result.exit_code == 2 and "no such history database" in result.output


def test_a_report_from_a_large_export_is_evaluated_in_chunks(tmp_path: Path,
                                                             monkeypatch) -> None:
    """The report chooses the engine as `slalang evaluate` does: a CSV export over the
    ``auto`` size is evaluated in chunks, in bounded memory (it was always read whole: a 10m
    history needs some 5 GiB that way), with the same bytes out."""
    from slalang import engines
    from slalang.evaluation import streaming

    bench = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"
    data = [str(ROOT / "policies" / "bench.sla"), "--tickets", str(bench / "tickets.csv"),
            "--events", str(bench / "events.csv"), "--as-of", "2030-01-01T00:00:00+00:00",
            "--customer", "C00769"]
    whole = tmp_path / "whole.md"
    assert run(*data, "-o", str(whole)).exit_code == 0
    chunked: list[str] = []
    evaluate_chunked = streaming.evaluate_chunked

    def recorded(*args, **kwargs):
        chunked.append("chunks")
        return evaluate_chunked(*args, **kwargs)

    monkeypatch.setattr(streaming, "evaluate_chunked", recorded)
    monkeypatch.setattr(engines, "AUTO_BYTES", 1000)
    monkeypatch.setattr("slalang.evaluation.drivers.AUTO_BYTES", 1000)
    parts = tmp_path / "chunks.md"
    result = run(*data, "-o", str(parts))
    assert result.exit_code == 0, result.output
    assert chunked == ["chunks"]
    assert parts.read_bytes() == whole.read_bytes()
