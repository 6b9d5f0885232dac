"""The ``tcpscope`` command line (:mod:`tcpscope.cli.main`): argument parsing and terminal output only."""

__all__ = ["EXIT_ERROR"]

#: The exit status of every error: a usage error (argparse's own), an unreadable capture,
#: a file cut short.
EXIT_ERROR = 2
