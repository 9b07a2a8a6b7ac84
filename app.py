"""WSGI entry point: `flask --app app run` and `gunicorn app:app` both find `app` here."""

import sys

from ivr import create_app
from ivr.config import ConfigurationError
from ivr.content.staff_file import ContentError

try:
    app = create_app()
except ContentError as error:  # a staff edit with a mistake: say where, not a traceback
    sys.exit("\n".join([*map(str, error.problems), f"{len(error.problems)} problem(s) found; the line did not start."]))
except ConfigurationError as error:
    sys.exit(str(error))
