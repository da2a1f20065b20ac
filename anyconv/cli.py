"""The ``anyconv`` command line.

Each sub-command lives beside the code it drives and contributes two functions:
``add_parser(subparsers)`` and the handler it sets as ``func``. This file only wires them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    from anyconv import density_commands
    from anyconv.bench import commands as bench_commands
    from anyconv.explain import commands as explain_commands
    from anyconv.timeseries import commands as timeseries_commands

    parser = argparse.ArgumentParser(
        prog="anyconv",
        description="Generalized convolutions: list, train, benchmark and classify.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    bench_commands.add_parsers(subparsers)
    explain_commands.add_parsers(subparsers)
    density_commands.add_parsers(subparsers)
    timeseries_commands.add_parsers(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, FileNotFoundError) as error:
        parser.exit(2, f"anyconv {args.command}: error: {error}\n")
    except KeyboardInterrupt:
        parser.exit(130, "interrupted\n")


if __name__ == "__main__":
    sys.exit(main())
