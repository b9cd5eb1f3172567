"""The review-store tests' fixture: a ready session (:func:`tests.store_fixtures.build_meeting`)."""

from __future__ import annotations

import pytest

from tests.store_fixtures import build_meeting


@pytest.fixture
def m(tmp_path):
    """A ready review session, closed after the test."""
    meeting = build_meeting(tmp_path / "session")
    yield meeting
    meeting.store.close()
