from click.testing import CliRunner

from slalang import __version__
from slalang.cli import VERBS, main


def test_version_and_verbs():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output
    help_text = CliRunner().invoke(main, ["--help"]).output
    for verb in VERBS:
        assert verb in help_text


def test_public_names_resolve_lazily():
    import subprocess
    import sys

    code = (
        "import sys, slalang; assert 'numpy' not in sys.modules; "
        "names = [getattr(slalang, n) for n in slalang.__all__]; "
        "assert 'numpy' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_misspelt_verb_gets_the_closest_verbs():
    r = CliRunner().invoke(main, ["evalute", "x"])
    assert r.exit_code == 2
    assert "No such command 'evalute'. Did you mean 'evaluate'?" in r.output
    r = CliRunner().invoke(main, ["xyzzy"])
    assert r.exit_code == 2 and "Did you mean" not in r.output
    assert "Verbs: " + ", ".join(sorted(VERBS)) in r.output


def test_a_misspelt_option_gets_the_closest_option():
    r = CliRunner().invoke(main, ["evaluate", "p.sla", "--tiket", "t.jsonl"])
    # click names every close option (--quiet is close too, since evaluate has one)
    assert r.exit_code == 2 and "Did you mean" in r.output and "'--tickets'" in r.output


def test_every_verb_with_as_of_states_the_one_default():
    """Regression (issue 15: one default for --as-of, stated in each verb's help): `diff`
    said nothing of its default and, without --period, judged open tickets at another
    instant than `evaluate`."""
    import click

    from slalang.cli import main as group
    from slalang.cli.common import AS_OF_RULE

    ctx = click.Context(group)
    with_as_of = []
    for name in group.list_commands(ctx):
        for param in group.get_command(ctx, name).params:
            if "--as-of" in getattr(param, "opts", ()):
                with_as_of.append(name)
                assert AS_OF_RULE in (param.help or ""), name
    assert {"diff", "evaluate", "explain", "report", "calibrate"} <= set(with_as_of)


def _evaluation_then(report: str) -> str:
    """The code of a process that evaluates the bench300 fixture through the command line,
    then runs ``report`` (it says what the evaluation imported)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    bench = root / "tests" / "evaluation" / "fixtures" / "bench300"
    return (
        "import sys; from slalang.cli import main\n"
        "try:\n"
        f"    main(['evaluate', {str(root / 'policies' / 'bench.sla')!r}, '--tickets', "
        f"{str(bench / 'tickets.csv')!r}, '--events', {str(bench / 'events.csv')!r}])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n" + report)


def test_an_evaluation_without_a_roster_does_not_import_yaml(tmp_path):
    """PyYAML is imported only when a roster (or a mapping) is read: 10 ms of every
    `slalang evaluate` otherwise; a roster still loads."""
    import os
    import subprocess
    import sys

    code = _evaluation_then(
        "sys.stderr.write('yaml' if 'yaml' in sys.modules else 'no yaml')\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("SLALANG_NO_CACHE", None)  # the suite turns the cache off; this run needs it
    # the first run checks the policy (its customer-text check reads a YAML catalogue) and
    # keeps it checked; the second reads it back, as a pipeline's daily run does
    first, second = (subprocess.run([sys.executable, "-c", code], capture_output=True,
                                    text=True, cwd=tmp_path, timeout=120, env=env)
                     for _ in range(2))
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0 and second.stderr.endswith("no yaml"), second.stderr
    from slalang.roster import load_roster

    roster = tmp_path / "customers.yaml"
    roster.write_text("customers:\n  - {name: Alfa Srl, tier: Gold, services: [mail]}\n")
    assert [c.name for c in load_roster(roster).customers] == ["Alfa Srl"]


def test_an_evaluation_in_memory_starts_no_process_machinery():
    """An in-memory run imports neither multiprocessing nor the process pool (7 ms of its
    start): they come with the first pool a chunked run starts."""
    import subprocess
    import sys
    from pathlib import Path

    code = _evaluation_then(
        "sys.stderr.write(' '.join(m for m in ('multiprocessing', "
        "'concurrent.futures.process') if m in sys.modules) or 'none')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1], timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.endswith("none"), done.stderr
