"""``python -m tcpscope``: the command line."""

from tcpscope.cli.main import run

if __name__ == "__main__":
    run()
