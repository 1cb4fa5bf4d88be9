"""``python -m slalang``: the same command line as the ``slalang`` script."""

from slalang.cli import main

if __name__ == "__main__":
    main(prog_name="slalang")
