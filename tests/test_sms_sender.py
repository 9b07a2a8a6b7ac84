"""Texting a section from a call: the real twilio client, with a fake HTTP layer or a local fake API."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ReadTimeout
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from ivr.sms.gate import TextGate
from ivr.sms.replies import Incoming, Policy
from ivr.sms.sender import RoutedHttpClient, TwilioSender, twilio_client
from ivr.sms.spool import OptOutSpool
from ivr.store.database import Database, StoreUnavailable
from ivr.store.numbers import NumberHasher, NumberState, NumberStore, RateLimits
from tests.app_factory import build_app
from tests.shipped import shipped_line
from tests.twilio_fakes import FakeTwilioApi
from tests.twilio_requests import CALLER, LINE_NUMBER, sms_post, twilio_post

ACCOUNT = "AC" + "1" * 32
LINE = shipped_line()  # loaded once per run; needed while pytest collects
ENGLISH = LINE.language("en")
HASH = NumberHasher(b"test")


class FakeHttp(HttpClient):
    """The seam twilio-python's own tests use: answer every request with one response, or raise."""

    def __init__(self, status: int = 201, body: dict | None = None, error: Exception | None = None):
        super().__init__(logging.getLogger("fake-http"), is_async=False)
        self.status, self.body, self.error = status, body or {"sid": "SM" + "0" * 32}, error
        self.requests: list[dict] = []

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        self.requests.append({"method": method, "uri": uri, "data": data, "auth": auth})
        if self.error:
            raise self.error
        return Response(self.status, json.dumps(self.body))


def refusal(code: int, status: int = 400) -> FakeHttp:
    return FakeHttp(status, {"code": code, "message": "refused", "status": status,
                             "more_info": f"https://www.twilio.com/docs/errors/{code}"})


@pytest.fixture
def store(tmp_path: Path) -> NumberStore:
    database = Database(f"sqlite:///{tmp_path / 'texts.db'}")
    database.migrate()
    return NumberStore(database)


def texter(http: HttpClient, store: NumberStore, per_minute: int = 6, service: str | None = None) -> TextGate:
    """The texting gate with the real twilio client over `http`."""
    sender = TwilioSender(Client(ACCOUNT, "token", http_client=http), service)
    spool = OptOutSpool(Path(store.database.url.removeprefix("sqlite:///")).parent / "spool.jsonl")
    return TextGate(LINE, store, HASH, RateLimits(per_minute, 40), Policy(), spool, sender)


def test_sends_the_first_part_from_the_called_number_and_more_goes_on_by_text(store: NumberStore) -> None:
    http = FakeHttp()
    assert texter(http, store).send_topic(ENGLISH, "key-points", CALLER, LINE_NUMBER) == "text.sent"
    [sent] = http.requests
    assert sent["method"] == "POST" and sent["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert sent["data"]["To"] == CALLER and sent["data"]["From"] == LINE_NUMBER
    body = sent["data"]["Body"]
    assert body.startswith("Key points about OT") and "Reply MORE for part 2 of 3" in body
    assert store.number(HASH(CALLER)) == NumberState(language="en", topic="key-points", next_part=1)


def test_sends_from_a_messaging_service_when_configured(store: NumberStore) -> None:
    http = FakeHttp()
    texter(http, store, service="MG" + "2" * 32).send_topic(ENGLISH, "find-ot", CALLER, LINE_NUMBER)
    assert http.requests[0]["data"]["MessagingServiceSid"] == "MG" + "2" * 32 and "From" not in http.requests[0]["data"]


@pytest.mark.parametrize(("http", "outcome"), [
    (refusal(21610), "text.opted-out"),
    (refusal(21211), "text.cannot-receive"),
    (refusal(21614), "text.cannot-receive"),
    (refusal(30006), "text.cannot-receive"),
    (refusal(21608), "text.failed"),
    (refusal(20003, status=401), "text.failed"),
    (FakeHttp(500, {"message": "oops"}), "text.failed"),
    (FakeHttp(error=ReadTimeout("slow")), "text.failed"),
    (FakeHttp(error=RequestsConnectionError("down")), "text.failed"),
], ids=["21610", "21211", "21614", "30006", "21608", "401", "500", "timeout", "connection"])
def test_each_failure_gets_words_a_caller_understands(store: NumberStore, http: FakeHttp, outcome: str) -> None:
    assert texter(http, store).send_topic(ENGLISH, "find-ot", CALLER, LINE_NUMBER) == outcome
    assert len(http.requests) == 1
    assert ENGLISH.prompt(outcome)  # the prompt exists, so the caller hears it


def test_an_opt_out_learnt_from_twilio_is_kept(store: NumberStore) -> None:
    texter(refusal(21610), store).send_topic(ENGLISH, "find-ot", CALLER, LINE_NUMBER)
    assert store.number(HASH(CALLER)).opted_out
    http = FakeHttp()
    assert texter(http, store).send_topic(ENGLISH, "find-ot", CALLER, LINE_NUMBER) == "text.opted-out"
    assert http.requests == []


@pytest.mark.parametrize("caller", ["", "anonymous", "Anonymous", "client:alice", "+266696687", "+2562533", "12345",
                                    "+1 500 555 0006"])
def test_no_caller_id_means_no_rest_call(store: NumberStore, caller: str) -> None:
    http = FakeHttp()
    assert texter(http, store).send_topic(ENGLISH, "find-ot", caller, LINE_NUMBER) == "text.no-caller-id"
    assert http.requests == []


def test_a_caller_pressing_text_again_and_again_is_limited(store: NumberStore) -> None:
    http = FakeHttp()
    outcomes = [texter(http, store, per_minute=2).send_topic(ENGLISH, "find-ot", CALLER, LINE_NUMBER) for _ in range(3)]
    assert outcomes == ["text.sent", "text.sent", "text.too-many"] and len(http.requests) == 2


def test_routed_client_sends_to_the_configured_base_with_auth(fake_twilio: FakeTwilioApi) -> None:
    client = twilio_client(ACCOUNT, "secret-token", fake_twilio.base_url)
    client.messages.create(to=CALLER, from_=LINE_NUMBER, body="hello")
    [sent] = fake_twilio.requests
    assert sent["path"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert sent["form"] == {"To": CALLER, "From": LINE_NUMBER, "Body": "hello"}
    assert sent["authorization"].startswith("Basic ")


def test_routed_client_gives_up_quickly_on_a_slow_api(store: NumberStore, fake_twilio: FakeTwilioApi) -> None:
    fake_twilio.delay = 1.5
    http = RoutedHttpClient(fake_twilio.base_url, timeout=0.3)
    started = time.monotonic()
    assert texter(http, store).send_topic(ENGLISH, "find-ot", CALLER, LINE_NUMBER) == "text.failed"
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(("base", "url", "sent_to"), [
    (None, "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json", "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"),
    ("http://127.0.0.1:4010/", "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json", "http://127.0.0.1:4010/2010-04-01/Accounts/AC1/Messages.json"),
    ("http://127.0.0.1:4010", "https://api.dublin.ie1.twilio.com/2010-04-01/x.json", "http://127.0.0.1:4010/2010-04-01/x.json"),
    ("http://127.0.0.1:4010", "https://example.org/?next=.twilio.com", "https://example.org/?next=.twilio.com"),
])
def test_routed_client_rewrites_only_twilio_hosts(monkeypatch: pytest.MonkeyPatch, base: str | None, url: str,
                                                  sent_to: str) -> None:
    seen = []
    monkeypatch.setattr(TwilioHttpClient, "request", lambda self, method, url, *args, **kwargs: seen.append(url))
    RoutedHttpClient(base).request("POST", url)
    assert seen == [sent_to]


def test_text_key_during_a_call_texts_the_section_and_says_so(tmp_path: Path, fake_twilio: FakeTwilioApi) -> None:
    app = build_app(tmp_path, TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_API_BASE_URL=fake_twilio.base_url)
    client = app.test_client()
    text_key = LINE.flow.keys["text"]
    answer = twilio_post(client, "/voice/en/topic/school-iep/part/0/choose", {"Digits": text_key})
    assert b"I sent that to your phone by text." in answer.data
    [sent] = fake_twilio.requests
    assert sent["form"]["To"] == CALLER and sent["form"]["From"] == LINE_NUMBER
    assert "individualized education program" in sent["form"]["Body"]


@pytest.mark.parametrize(("refusal_code", "words"),
                         [(21610, b"asked us to stop texts"), (21614, b"cannot get text messages")])
def test_text_key_says_why_a_text_could_not_be_sent(tmp_path: Path, fake_twilio: FakeTwilioApi, refusal_code: int,
                                                    words: bytes) -> None:
    fake_twilio.refuse(refusal_code)
    client = build_app(tmp_path, TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_API_BASE_URL=fake_twilio.base_url).test_client()
    answer = twilio_post(client, "/voice/en/choices/find-ot/choose", {"Digits": LINE.flow.keys["text"]})
    assert words in answer.data


def test_text_key_to_a_number_that_texted_stop_makes_no_rest_call(tmp_path: Path, fake_twilio: FakeTwilioApi) -> None:
    client = build_app(tmp_path, TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_API_BASE_URL=fake_twilio.base_url).test_client()
    sms_post(client, "STOP")
    answer = twilio_post(client, "/voice/en/choices/main/choose", {"Digits": LINE.flow.keys["text"]})
    assert b"asked us to stop texts" in answer.data and fake_twilio.requests == []


def test_text_key_without_rest_credentials_says_texting_is_not_set_up(client) -> None:
    answer = twilio_post(client, "/voice/en/choices/main/choose", {"Digits": LINE.flow.keys["text"]})
    assert b"texting is not available" in answer.data


class StopDuringSend(FakeHttp):
    """Twilio's REST call during which the same number's STOP arrives (it cannot be un-sent)."""

    def __init__(self, gate: "TextGate"):
        super().__init__()
        self.gate = gate

    def request(self, *args, **kwargs):
        assert self.gate.receive(CALLER, "SM" + "d" * 32, Incoming("STOP")).reply is None
        return super().request(*args, **kwargs)


def test_a_stop_arriving_during_the_rest_call_is_kept_and_no_later_text_is_sent(store: NumberStore) -> None:
    gate = texter(FakeHttp(), store)
    gate.sender = TwilioSender(Client(ACCOUNT, "token", http_client=StopDuringSend(gate)))
    assert gate.send_topic(ENGLISH, "key-points", CALLER, LINE_NUMBER) == "text.sent"
    assert store.number(HASH(CALLER)) == NumberState(opted_out=True)  # the paging save did not undo it
    assert gate.receive(CALLER, "", Incoming("MORE")).reply is None
    assert gate.send_topic(ENGLISH, "key-points", CALLER, LINE_NUMBER) == "text.opted-out"


def test_an_opt_out_learnt_through_the_previous_revisions_gate_is_known_to_the_live_one_in_an_outage(
        store: NumberStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a publish, a call still hearing the revision live before texts through that revision's gate; an
    opt-out it learns from Twilio must be in the memory the live gate answers an outage with (one memory)."""
    previous = texter(refusal(21610), store)
    live = previous.answering_from(LINE)
    assert previous.send_topic(ENGLISH, "key-points", CALLER, LINE_NUMBER) == "text.opted-out"

    def store_down(*args: object) -> NumberState:
        raise StoreUnavailable("the store is down")

    monkeypatch.setattr(store, "number", store_down)
    assert live.receive(CALLER, "", Incoming("KEYPOINTS")).reply is None
