"""`slalang init`: a new folder with a project that works as written, and nothing replaced."""

from pathlib import Path

from click.testing import CliRunner

from slalang.cli import main
from slalang.cli.init import FILES


def test_init_writes_a_project_that_checks_and_evaluates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["init", "proj"])
    assert r.exit_code == 0, r.output
    assert sorted(str(p.relative_to(tmp_path / "proj")) for p in (tmp_path / "proj").rglob("*")
                  if p.is_file()) == sorted(FILES)
    monkeypatch.chdir(tmp_path / "proj")
    assert CliRunner().invoke(main, ["check", "policy.sla"]).exit_code == 0
    # the README's first command, as written there
    readme = Path("README.md").read_text(encoding="utf-8")
    assert "slalang evaluate policy.sla --tickets export/tickets.csv --events export/events.csv" \
        in readme
    ev = CliRunner().invoke(main, [
        "evaluate", "policy.sla", "--tickets", "export/tickets.csv", "--events",
        "export/events.csv", "--mapping", "mapping.yaml", "--downtime", "export/downtime.csv",
        "--period", "2026-Q3"])
    assert ev.exit_code == 0, ev.output
    lines = ev.output.splitlines()
    assert "tickets 55, excluded 4, open 3, invalid 0, rejected 0" in lines
    assert lines[-1] == ("credits owed: 445.00 EUR (Contoso Srl 45.00 EUR, "
                         "Northwind Ltd 400.00 EUR)")


def test_init_never_replaces_a_file(tmp_path):
    mine = tmp_path / "policy.sla"
    mine.write_text("my own policy\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert r.exit_code == 2
    assert f"{mine} exists already" in r.output
    assert mine.read_text(encoding="utf-8") == "my own policy\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["policy.sla"]  # nothing else written


def test_every_command_the_projects_readme_lists_works_as_written(tmp_path, monkeypatch):
    """Regression: the README's `report … -o reports` stopped with "give a folder (-o
    reports/)"; a new name without a suffix is now the folder the user means."""
    import shlex

    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["init", "proj"]).exit_code == 0
    monkeypatch.chdir(tmp_path / "proj")
    readme = Path("README.md").read_text(encoding="utf-8")
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0].replace("\\\n", " ")
    commands = [shlex.split(line) for line in block.splitlines() if line.strip()]
    assert [c[:2] for c in commands] == [["slalang", "check"], ["slalang", "evaluate"],
                                         ["slalang", "explain"], ["slalang", "contract"],
                                         ["slalang", "report"]]
    for argv in commands:
        r = CliRunner().invoke(main, argv[1:])
        assert r.exit_code == 0, (argv, r.output)
    assert sorted(p.name for p in Path("reports").iterdir()) == [
        "contoso-srl-2026-Q3.html", "northwind-ltd-2026-Q3.html"]
