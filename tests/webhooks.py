"""Every URL Twilio can be sent to, and the call tree crawled once per run (fixtures; a plugin of conftest.py).

The voice URLs are the ones tests/call_crawler.py reaches walking the call tree as Twilio would, so
a new page is covered without editing a list; the status callback and the text line are POST only.
Crawling takes seconds, so each tree is crawled once per run and shared by the tests that only read it: under
pytest-xdist the first worker to need a tree crawls it and the others read its result.
"""

from __future__ import annotations

import fcntl
import os
import pickle
from typing import Callable

import pytest
from flask import Flask

from tests.app_factory import build_app
from tests.call_crawler import CrawlResult, crawl

SMS_WEBHOOK = "/sms"
CALL_STATUS_WEBHOOK = "/voice/status"  # the phone number's "call status changes" callback
POST_ONLY = {SMS_WEBHOOK, CALL_STATUS_WEBHOOK}
STAFF_NUMBER = "+15005550001"


def crawled_once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str,
                         crawl_it: Callable[[], CrawlResult]) -> CrawlResult:
    """crawl_it() in one worker only: every worker crawling the same tree cost tens of seconds each."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return crawl_it()
    shared = tmp_path_factory.getbasetemp().parent / f"{name}.pickle"  # the run's folder, above each worker's
    with open(shared.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the others wait for the first crawl instead of crawling too
        if shared.exists():
            return pickle.loads(shared.read_bytes())
        result = crawl_it()
        shared.write_bytes(pickle.dumps(result))
        return result


@pytest.fixture(scope="session")
def call_tree(tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    """Every branch from POST /voice on a line without a staff number: every key, silence, words."""
    return crawled_once_per_run(tmp_path_factory, "call-tree",
                                lambda: crawl(build_app(tmp_path_factory.mktemp("call-tree")).test_client()))


@pytest.fixture(scope="session")
def staffed_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """With a staff number, so the Dial pages and their action URL are in the tree too."""
    return build_app(tmp_path_factory.mktemp("staffed"), STAFF_PHONE_NUMBER=STAFF_NUMBER)


@pytest.fixture(scope="session")
def staffed_call_tree(tmp_path_factory: pytest.TempPathFactory, staffed_app: Flask) -> CrawlResult:
    """Every branch from POST /voice on a line with a staff number (the person key dials)."""
    return crawled_once_per_run(tmp_path_factory, "staffed-call-tree", lambda: crawl(staffed_app.test_client()))


@pytest.fixture(scope="session")
def call_tree_urls(staffed_call_tree: CrawlResult) -> list[str]:
    """Every distinct voice URL reachable from POST /voice, checked to be a sound tree."""
    assert not staffed_call_tree.problems, staffed_call_tree.problems[:5]
    return list(staffed_call_tree.urls)


@pytest.fixture(scope="session")
def every_url(call_tree_urls: list[str]) -> list[str]:
    """Every webhook URL: the whole call tree, the call status callback and the text line."""
    return [*call_tree_urls, CALL_STATUS_WEBHOOK, SMS_WEBHOOK]
