"""Every URL Twilio can be sent to, and the call tree crawled once per run (fixtures; a plugin of conftest.py).

The voice URLs are the ones tests/call_crawler.py reaches walking the call tree as Twilio would, so
a new page is covered without editing a list; the status callback and the text line are POST only.
Crawling takes seconds, so each tree is crawled once per session and shared by the tests that only read it.
"""

from __future__ import annotations

import pytest
from flask import Flask

from tests.app_factory import build_app
from tests.call_crawler import CrawlResult, crawl

SMS_WEBHOOK = "/sms"
CALL_STATUS_WEBHOOK = "/voice/status"  # the phone number's "call status changes" callback
POST_ONLY = {SMS_WEBHOOK, CALL_STATUS_WEBHOOK}
STAFF_NUMBER = "+15005550001"


@pytest.fixture(scope="session")
def call_tree(tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    """Every branch from POST /voice on a line without a staff number: every key, silence, words."""
    return crawl(build_app(tmp_path_factory.mktemp("call-tree")).test_client())


@pytest.fixture(scope="session")
def staffed_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """With a staff number, so the Dial pages and their action URL are in the tree too."""
    return build_app(tmp_path_factory.mktemp("staffed"), STAFF_PHONE_NUMBER=STAFF_NUMBER)


@pytest.fixture(scope="session")
def staffed_call_tree(staffed_app: Flask) -> CrawlResult:
    """Every branch from POST /voice on a line with a staff number (the person key dials)."""
    return crawl(staffed_app.test_client())


@pytest.fixture(scope="session")
def call_tree_urls(staffed_call_tree: CrawlResult) -> list[str]:
    """Every distinct voice URL reachable from POST /voice, checked to be a sound tree."""
    assert not staffed_call_tree.problems, staffed_call_tree.problems[:5]
    return list(staffed_call_tree.urls)


@pytest.fixture(scope="session")
def every_url(call_tree_urls: list[str]) -> list[str]:
    """Every webhook URL: the whole call tree, the call status callback and the text line."""
    return [*call_tree_urls, CALL_STATUS_WEBHOOK, SMS_WEBHOOK]
