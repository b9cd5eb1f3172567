"""The errors of the programme register: each a :class:`~nzc_review.errors.NzcError` with one
Chinese sentence naming what was refused (the command line prints it and exits with status 2).
"""

from __future__ import annotations

from nzc_review.errors import NzcError

__all__ = ["NotAProgramme", "ProgrammeError", "TransitionRefused"]


class ProgrammeError(NzcError):
    """A register operation that cannot be done (bad state, bad input, a damaged register)."""


class NotAProgramme(ProgrammeError):
    """A folder that holds no programme register (no ``programme.sqlite``)."""


class TransitionRefused(ProgrammeError):
    """A status change the rules do not allow (:mod:`nzc_review.programme.transitions`).

    Attributes
    ----------
    app_id, current, to:
        The application, its status and the status asked for (codes).
    allowed:
        The statuses it may move to from ``current`` (codes).
    """

    def __init__(self, message: str, *, app_id: str, current: str, to: str,
                 allowed: tuple[str, ...]):
        super().__init__(message)
        self.app_id, self.current, self.to, self.allowed = app_id, current, to, allowed
