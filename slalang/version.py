"""The package's version, in a module of its own: importing it loads nothing else (the
package facade, the CLI, the outputs' stamps and the history all read it from here)."""

__version__ = "0.1.0"
