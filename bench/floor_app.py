"""The floor: the least a Flask app under the same gunicorn settings can do for a Twilio webhook.

    .venv/bin/python bench/load.py --app bench.floor_app:app

Every POST answers one constant TwiML string: no signature check, no store, no logging, no routing
beyond one catch-all rule. The line's own cost is measured as a multiple of this app's worker CPU per
request under the same mix (bench/README.md).
"""

from __future__ import annotations

from flask import Flask, Response

TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/voice/en/choices/main/choose" '
         'input="dtmf speech" numDigits="1"><Say>Welcome.</Say></Gather></Response>')

app = Flask(__name__)


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def constant(path: str) -> Response:
    return Response(TWIML, mimetype="text/xml")
