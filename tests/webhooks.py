"""Every URL Twilio can be sent to, for tests that must cover all of them (signatures, hostile input).

The voice URLs are the ones tests/call_crawler.py reaches walking the call tree as Twilio would, so
a new page is covered without editing a list; the status callback and the text line are POST only.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.call_crawler import crawl
from tests.conftest import build_app

SMS_WEBHOOK = "/sms"
CALL_STATUS_WEBHOOK = "/voice/status"  # the phone number's "call status changes" callback
POST_ONLY = {SMS_WEBHOOK, CALL_STATUS_WEBHOOK}


def call_tree_urls(client: FlaskClient) -> list[str]:
    """Every distinct voice URL reachable from POST /voice: every key, silence, words and dial result."""
    result = crawl(client)
    assert not result.problems, result.problems[:5]
    return list(result.urls)


@pytest.fixture(scope="module")
def staffed_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """With a staff number, so the Dial pages and their action URL are in the tree too."""
    return build_app(tmp_path_factory.mktemp("line"), STAFF_PHONE_NUMBER="+15005550001")


@pytest.fixture(scope="module")
def every_url(staffed_app: Flask) -> list[str]:
    """Every webhook URL: the whole call tree, the call status callback and the text line."""
    return [*call_tree_urls(staffed_app.test_client()), CALL_STATUS_WEBHOOK, SMS_WEBHOOK]
