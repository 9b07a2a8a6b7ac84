"""Serving the generated prompts to Twilio: only files the manifest lists, cached for a year.

No Twilio signature here: Twilio does not sign its media fetches. A file's name carries the hash of
what it says, so it never changes and can be cached as immutable by Twilio's proxies and any CDN.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, send_file

from ivr.audio.folder import etag_of
from ivr.services import services

bp = Blueprint("audio", __name__, url_prefix="/audio")
ONE_YEAR_SECONDS = 31536000


@bp.route("/<name>", methods=["GET"])
def audio_file(name: str) -> Response:
    catalog = services().audio
    path = catalog.folder.path_of(name) if catalog.serves(name) else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype="audio/wav", etag=etag_of(name), conditional=True, max_age=ONE_YEAR_SECONDS)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response
