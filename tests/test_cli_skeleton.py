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
