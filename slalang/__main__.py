"""``python -m slalang``: the same command line as the ``slalang`` script."""

from slalang.cli import run

if __name__ == "__main__":
    run()
