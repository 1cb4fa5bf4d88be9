"""Editor support: the language server (``slalang lsp``) over the parser, checks and
formatter as they are. :mod:`slalang.lsp.analysis` holds everything an editor asks (plain
functions on a document's text, tested without a client); :mod:`slalang.lsp.server` wires them
to the Language Server Protocol with pygls (the optional ``lsp`` extra).
"""
