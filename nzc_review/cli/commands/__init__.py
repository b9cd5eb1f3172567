"""The ``nzc-review`` subcommands, one module per command or small family of commands.

Every module in this package defines ``register(subparsers) -> None`` that adds its
subcommand(s) with ``set_defaults(func=...)``; :func:`register_all` (called by
:func:`nzc_review.cli.main.build_parser`) registers them all. A command function takes the
parsed ``argparse.Namespace`` and returns the exit status
(:mod:`nzc_review.cli.output`); errors it raises as :class:`~nzc_review.errors.NzcError`
become a clear message and exit status 2.
"""

from __future__ import annotations

import importlib
import pkgutil

#: The order of the commands in ``nzc-review --help``: the workflow, from the application file
#: to the pilot's lifecycle, then the reference data. A module not listed comes last.
COMMAND_MODULES = ("excel", "evaluate", "batch", "session", "serve", "report", "lifecycle",
                   "programme", "programme_dashboard", "reference")


def command_modules() -> list[str]:
    """The names of the command modules of this package, in ``--help`` order."""
    found = {info.name for info in pkgutil.iter_modules(__path__)}
    return [m for m in COMMAND_MODULES if m in found] + sorted(found - set(COMMAND_MODULES))


def register_all(subparsers) -> None:
    """Import every command module of this package and let it register its subcommands."""
    for name in command_modules():
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
