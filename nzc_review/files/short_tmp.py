"""A temporary folder short enough to hold Unix sockets.

A Unix socket's path is at most 107 bytes (``sun_path``, unix(7)). Chromium makes one inside
its temporary folder (``.org.chromium.Chromium.XXXXXX/SingletonSocket``) and each pooled
kernel's IPC channels are sockets (``k1-1``…``k1-5`` in the pool's folder); under a long
``$TMPDIR`` neither could start ("File name too long").
"""

from __future__ import annotations

import os
import tempfile

#: The longest temporary folder used for sockets: leaves room for what is added inside it.
MAX_TMPDIR_CHARS = 60


def short_tmpdir() -> str:
    """Python's temporary folder (:func:`tempfile.gettempdir`, from ``$TMPDIR``) when it is
    at most :data:`MAX_TMPDIR_CHARS` long, else the first writable of ``/tmp`` and
    ``/dev/shm`` (else Python's, as a last resort)."""
    default = tempfile.gettempdir()
    for folder in (default, "/tmp", "/dev/shm"):
        if (len(folder) <= MAX_TMPDIR_CHARS and os.path.isdir(folder)
                and os.access(folder, os.W_OK | os.X_OK)):
            return folder
    return default
