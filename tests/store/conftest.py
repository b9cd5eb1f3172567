"""The review-store tests' fixture: a ready session (:func:`tests.fixtures.sessions.build_meeting`)."""

from __future__ import annotations

import pytest


@pytest.fixture
def m(meeting_session):
    """A ready review session, closed after the test."""
    return meeting_session
