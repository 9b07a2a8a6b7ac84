"""Production server settings: `gunicorn app:app` reads this file from the repo root.

Every value can be overridden with an environment variable (named beside it) or on the command line.
"""

import multiprocessing
import os
import sys

from ivr.config import ConfigurationError, switch, whole_number

# A value that is not understood stops the start with one line (as the app's own settings do), never a default.
try:
    port = whole_number("PORT", os.environ.get("PORT"), 8000)
    # Each request is a few milliseconds of CPU; threads let a worker keep answering while one request
    # waits on Twilio's REST API ("text me this section") or the database.
    workers = whole_number("WEB_CONCURRENCY", os.environ.get("WEB_CONCURRENCY"), multiprocessing.cpu_count() * 2 + 1)
    threads = whole_number("GUNICORN_THREADS", os.environ.get("GUNICORN_THREADS"), 4)
    trust_proxy = switch("TRUST_PROXY", os.environ.get("TRUST_PROXY"))
except ConfigurationError as error:
    sys.exit(str(error))

bind = os.environ.get("BIND") or f"0.0.0.0:{port}"
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")

# Twilio gives up after 15 s in total; a worker silent for that long is stuck and is replaced.
timeout = 15
graceful_timeout = 20
keepalive = 5

# Load the content once in the master: a broken staff edit or production mode without its secrets
# stops the start-up, and workers share the loaded content's memory.
preload_app = True

# Recycle workers now and then, so a slow leak can never take the line down.
max_requests = 200_000
max_requests_jitter = 20_000

# Twilio's requests are small; refuse anything far larger before it reaches the app.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# Which proxy headers to believe is the app's decision (TRUST_PROXY), not gunicorn's: by default
# gunicorn would take X-Forwarded-Proto from any client on 127.0.0.1, and a SCRIPT_NAME header too
# (forwarder_headers), which moves every URL the app builds and signs. Nobody is a trusted forwarder
# unless TRUST_PROXY says a proxy we control is in front; even then only the scheme headers the app reads.
secure_scheme_headers: dict[str, str] = {}
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1") if trust_proxy else ""
forwarder_headers = ""

# The app already writes one JSON line per request (ivr/observability.py), so gunicorn's own access
# log is off by default: it cost about a tenth of each request's CPU in bench/. GUNICORN_ACCESS_LOG=-
# turns it on (to stdout), with the path only (%(U)s): a query string could carry a caller's number.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s bytes %(M)s ms'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# gunicornc's control socket lives at one path per user: two instances on one machine would share it.
control_socket_disable = True
