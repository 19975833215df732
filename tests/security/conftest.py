import pytest

from tests.receiver import Receiver


@pytest.fixture
def hook():
    """An alert channel's receiver (a Slack-style incoming webhook): a real HTTP server here."""
    server = Receiver()
    yield server
    server.stop()
