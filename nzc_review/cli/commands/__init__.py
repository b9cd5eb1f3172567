"""Further ``nzc-review`` subcommands, one module each.

Every module in this package defines ``register(subparsers) -> None`` that adds its
subcommand(s) with ``set_defaults(func=...)``; :func:`nzc_review.cli.main.build_parser` finds and
registers them all. A command function takes the parsed ``argparse.Namespace`` and returns the
exit status; errors it raises as :class:`~nzc_review.errors.NzcError` become a clear message and
exit status 2.
"""

from __future__ import annotations

import importlib
import pkgutil


def register_all(subparsers) -> None:
    """Import every command module of this package and let it register its subcommands."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(subparsers)
