"""The console's simulator line: the line's real webhooks answering with any revision's words, away from families.

A simulated call or text runs the line's own voice and text routes, built by create_app's line_services, in a
Flask app of its own that is never served over HTTP (so it needs no Twilio signature), with:
- its own database, number hash secret and opt-out spool in instance/console-simulator/, so a staff member who
  types a real family's number and texts STOP changes no opt-out, place, language, limit, budget or usage count
  of the real line;
- a sender that records what it would text instead of calling Twilio's REST API ("text me this" sends nothing).
The console hands it each request through Flask's test client, with the chosen revision's services in the
request's environ (read by the app's first before_request hook, so services() answers with them).
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from flask import Flask, g, request

from ivr.audio.catalog import ManifestCatalog
from ivr.config import Settings
from ivr.line_assembly import answer_webhooks, line_services
from ivr.publishing.document import Files, digest, load_document
from ivr.publishing.serving import Served
from ivr.publishing.store import Revisions
from ivr.services import Services, serving
from ivr.sms.measure import refuse_long_help
from ivr.sms.sender import SENT
from ivr.store.database import Database

FOLDER = "console-simulator"  # under the instance folder: the simulator's database, secret and spool
SERVICES_KEY = "otline.simulated"  # the environ key that carries the chosen revision's services
KEPT_REVISIONS = 8  # revisions kept ready (a draft edited ten times is ten contents; only the latest matter)
WRITES_WAIT_SECONDS = 1.0  # a simulated request's queued writes (a remembered language) settle before the next
SIMULATED_LINE_NUMBER = "+15555550100"  # the line's number in simulated requests (555-01xx is fictional)


@dataclass(frozen=True)
class Texted:
    """A text the line would have sent from a call (key 8), recorded instead of sent."""

    to: str
    body: str


class RecordingSender:
    """Stands in for Twilio's REST API: records each text on the thread that asked, sends nothing."""

    def __init__(self) -> None:
        self._local = threading.local()

    def send(self, to: str, body: str, line_number: str, number_hash: str) -> str:
        recorded = getattr(self._local, "texted", None)
        if recorded is not None:
            recorded.append(Texted(to, body))
        return SENT  # what the caller hears when Twilio accepts the text

    @contextmanager
    def recording(self) -> Iterator[list[Texted]]:
        self._local.texted = []
        try:
            yield self._local.texted
        finally:
            self._local.texted = None


@dataclass(frozen=True)
class Answered:
    """One simulated request's answer: the TwiML, and what would have been texted while answering it."""

    twiml: str
    texted: tuple[Texted, ...]


class Simulator:
    """One per app, built at first use: the simulator's own app and services, and each revision's words."""

    def __init__(self, real: Services, line_settings: Settings, folder: Path) -> None:
        settings = replace(line_settings, auth_token=None, number_hash_secret=None, instance_dir=folder,
                           database_url=f"sqlite:///{folder / 'simulator.sqlite3'}")
        folder.mkdir(parents=True, exist_ok=True)
        database = Database(settings.database_url or "")
        database.migrate()
        # Key 8 is offered where the real line offers it: only when the line can text from a call.
        self.sender = RecordingSender() if real.texts.sender is not None else None
        self.public_base_url = settings.public_base_url  # where the line's <Play> and <Gather> URLs point
        self.base = line_services(settings, database, Revisions(database), Served(real.line, real.revision), folder,
                                  self.sender)
        self.app = Flask(__name__)
        self.app.config["SETTINGS"] = settings
        self.app.extensions["otline"] = self.base
        self.app.before_request(_use_simulated_services)
        answer_webhooks(self.app)
        self._lock = threading.Lock()
        self._revisions: OrderedDict[str, Services] = OrderedDict()

    def revision(self, number: int, files: Files) -> Services:
        """A revision's services, by its words' digest. ContentError or ConfigurationError when it cannot be
        served (the same checks as a publish)."""
        key = digest(files)
        with self._lock:
            if key in self._revisions:
                self._revisions.move_to_end(key)
                return self._revisions[key]
        line = load_document(files)
        refuse_long_help(line, self.base.texts.policy)
        services = serving(self.base, line, number)
        with self._lock:
            self._revisions[key] = services
            while len(self._revisions) > KEPT_REVISIONS:
                self._revisions.popitem(last=False)
        return services

    def call(self, services: Services, url: str, params: dict[str, str], caller: str, call_sid: str) -> Answered:
        """One request of a simulated call, as Twilio would make it."""
        data = {"CallSid": call_sid, "AccountSid": "AC" + "0" * 32, "From": caller, "To": SIMULATED_LINE_NUMBER,
                "CallStatus": "in-progress", "Direction": "inbound", **params}
        return self._post(services, url, data)

    def text(self, services: Services, sender: str, body: str) -> Answered:
        """One text to the line, as Twilio delivers it (a new MessageSid each time)."""
        data = {"MessageSid": new_sid("SM"), "AccountSid": "AC" + "0" * 32, "From": sender,
                "To": SIMULATED_LINE_NUMBER, "Body": body, "NumMedia": "0"}
        return self._post(services, "/sms", data)

    def _post(self, services: Services, url: str, data: dict[str, str]) -> Answered:
        with self._recording() as texted:
            response = self.app.test_client().post(url, data=data, environ_base={SERVICES_KEY: services})
        services.usage.offload.wait_until_written(WRITES_WAIT_SECONDS)
        return Answered(response.get_data(as_text=True), tuple(texted))

    @contextmanager
    def _recording(self) -> Iterator[list[Texted]]:
        if self.sender is None:
            yield []
            return
        with self.sender.recording() as texted:
            yield texted


def _use_simulated_services() -> None:
    """Pin the request to the revision the console chose (services() reads g.otline first)."""
    chosen = request.environ.get(SERVICES_KEY)
    if chosen is not None:
        g.otline = chosen


def new_sid(prefix: str) -> str:
    """A Twilio-shaped id (CA... for a call, SM... for a text): two letters and 32 hex digits."""
    return prefix + uuid.uuid4().hex


def audio_texts(audio: ManifestCatalog) -> dict[str, str]:
    """The words each audio URL says (from the manifest), so a <Play> reads back as what the caller hears."""
    return {f"{audio.url_prefix}{entry.file}": entry.text for entry in audio.entries().values()}


_building = threading.Lock()


def simulator(app: Flask) -> Simulator:
    """The app's simulator, built on first use (most instances never run one)."""
    found = app.extensions.get("otline.simulator")
    if found is None:
        with _building:
            found = app.extensions.get("otline.simulator")
            if found is None:
                found = Simulator(app.extensions["otline"], app.config["SETTINGS"], Path(app.instance_path) / FOLDER)
                app.extensions["otline.simulator"] = found
    return found
