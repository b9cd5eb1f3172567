"""Reading YAML text: with libyaml's C parser when PyYAML was built with it.

``yaml.CSafeLoader`` reads the same documents as the pure-Python ``yaml.SafeLoader`` (the
same safe constructors and resolver, PyYAML documentation, "Installation": "LibYAML
bindings") about ten times faster: the catalog files the batch process and every report
kernel read cost some 0.25 CPU-s each way with the pure-Python parser.
"""

from __future__ import annotations

from typing import Any

import yaml

#: libyaml's safe loader when available, else the pure-Python one.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str | bytes) -> Any:
    """``yaml.safe_load(text)``, with :data:`SafeLoader`."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader
