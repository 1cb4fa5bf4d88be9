"""`slalang lsp`: the language server over standard input and output, for editors.

Needs the optional extra: ``pip install 'slalang[lsp]'`` (pygls).
"""

from __future__ import annotations

import click

from slalang.errors import EXIT_USAGE


@click.command(name="lsp")
@click.option("--stdio", is_flag=True, help="Talk over standard input and output (the "
              "default and only transport; accepted because editors pass it).")
def command(stdio: bool) -> None:
    """Run the language server: diagnostics as you type, hover, go to definition, references,
    completion, outline and formatting."""
    try:
        from slalang.lsp.server import serve
    except ImportError as exc:
        click.echo(f"error: the language server needs pygls ({exc.name} is missing): "
                   "pip install 'slalang[lsp]'", err=True)
        raise SystemExit(EXIT_USAGE) from None
    serve()
