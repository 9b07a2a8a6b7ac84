"""The schema, as an append-only list of migrations: never edit one that has shipped, add the next.

Migration N is applied once, in order, when the app starts and finds the schema at N-1. Statements that
can be run again harmlessly (CREATE TABLE/INDEX, as IF NOT EXISTS) are run again at every migration, so a
dropped table or a deleted SQLite file is re-created even though schema_version says it was there.
Types are the common subset of SQLite and PostgreSQL (TEXT, INTEGER, BIGINT).
Phone numbers never appear: `number_hash` is a keyed hash of the number (see ivr/store/numbers.py).
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: the text line's state
        "CREATE TABLE numbers ("
        " number_hash TEXT PRIMARY KEY, language TEXT, opted_out INTEGER NOT NULL DEFAULT 0,"
        " topic TEXT, next_part INTEGER, updated_at BIGINT NOT NULL)",
        "CREATE TABLE rate_counts ("
        " number_hash TEXT NOT NULL, period TEXT NOT NULL, bucket BIGINT NOT NULL, count INTEGER NOT NULL,"
        " PRIMARY KEY (number_hash, period, bucket))",
        "CREATE TABLE sms_replies (message_sid TEXT PRIMARY KEY, reply TEXT NOT NULL, created_at BIGINT NOT NULL)",
        "CREATE INDEX sms_replies_created ON sms_replies (created_at)",
    ),
    (  # 2: usage counts without personal data, and where each call is now (for hang-ups per place)
        "CREATE TABLE usage_counts ("
        " day TEXT NOT NULL, channel TEXT NOT NULL, event TEXT NOT NULL, language TEXT NOT NULL, place TEXT NOT NULL,"
        " count INTEGER NOT NULL, PRIMARY KEY (day, channel, event, language, place))",
        "CREATE TABLE call_places ("
        " call_sid TEXT PRIMARY KEY, language TEXT NOT NULL, place TEXT NOT NULL, updated_at BIGINT NOT NULL)",
        "CREATE INDEX call_places_updated ON call_places (updated_at)",
    ),
    (  # 3 (issue 11, opt-out audit): when a number opted out and how ('text', or 'import' from another list)
        "ALTER TABLE numbers ADD COLUMN opted_out_at BIGINT",
        "ALTER TABLE numbers ADD COLUMN opted_out_source TEXT",
    ),
    (  # 4: one row per instance, rewritten by /healthz (beat_at in ns): a write probe finds a read-only database
       # or a full disk
        "CREATE TABLE heartbeats (instance TEXT PRIMARY KEY, beat_at BIGINT NOT NULL)",
    ),
    (  # 5, revisions (issue 14): the line's words as numbered revisions, exactly one live, and who did what to them
        "CREATE TABLE revisions ("
        " number INTEGER PRIMARY KEY, document TEXT NOT NULL, digest TEXT NOT NULL, author TEXT NOT NULL,"
        " note TEXT NOT NULL, created_at BIGINT NOT NULL,"
        " state TEXT NOT NULL CHECK (state IN ('draft', 'in_review', 'approved', 'live', 'retired')),"
        " approved_by TEXT, approved_at BIGINT, published_at BIGINT, restores INTEGER)",
        "CREATE UNIQUE INDEX revisions_one_live ON revisions (state) WHERE state = 'live'",
        "CREATE TABLE revision_audit ("
        " id INTEGER PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, revision INTEGER,"
        " outcome TEXT NOT NULL, origin TEXT NOT NULL)",
    ),
    (  # 6, revisions (issue 14), shared audio: every instance plays the clips any instance built
        "CREATE TABLE audio_clips (name TEXT PRIMARY KEY, data BYTEA NOT NULL, created_at BIGINT NOT NULL)",
        "CREATE TABLE audio_entries (key TEXT PRIMARY KEY, entry TEXT NOT NULL, seq BIGINT NOT NULL)",
    ),
    (  # 7, revisions (issue 14), audio build jobs that a worker on any instance claims
        "CREATE TABLE audio_jobs ("
        " id INTEGER PRIMARY KEY, revision INTEGER NOT NULL, engine TEXT NOT NULL,"
        " state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')), claimed_by TEXT,"
        " total INTEGER NOT NULL, done INTEGER NOT NULL, made INTEGER NOT NULL, failed INTEGER NOT NULL,"
        " note TEXT NOT NULL, updated_at BIGINT NOT NULL)",
        "CREATE INDEX audio_jobs_state ON audio_jobs (state, id)",
    ),
    (  # 8, staff console (issue 15): staff accounts, and failed sign-ins counted per account and per client address
       # (`key` is a keyed hash, so the table holds no addresses and no typed-in emails)
        "CREATE TABLE staff_accounts ("
        " email TEXT PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('editor', 'reviewer', 'admin')),"
        " password_hash TEXT NOT NULL, password_one_time INTEGER NOT NULL, password_set_at BIGINT NOT NULL,"
        " disabled INTEGER NOT NULL DEFAULT 0, session_epoch INTEGER NOT NULL DEFAULT 0, created_at BIGINT NOT NULL)",
        "CREATE TABLE sign_in_failures ("
        " key TEXT PRIMARY KEY, failures INTEGER NOT NULL, first_at BIGINT NOT NULL, locked_until BIGINT)",
    ),
    (  # 9, staff console (issue 15): the parts an audio job could not make, and why, for the console's Audio page
        "CREATE TABLE audio_job_failures ("
        " job INTEGER NOT NULL, part_key TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (job, part_key))",
    ),
    (  # 10, console single sign-on: the person (the provider's issuer and subject) an account's first sign-in
       # through the hospital's provider linked it to; a reused email is then someone else, not this account
        "CREATE TABLE staff_single_sign_on ("
        " email TEXT PRIMARY KEY, issuer TEXT NOT NULL, subject TEXT NOT NULL, linked_at BIGINT NOT NULL)",
    ),
    (  # 11: every worker reads the numbers whose opt-out changed lately every 10 s (its outage copy): by index
        "CREATE INDEX numbers_updated ON numbers (updated_at)",
    ),
)

_RERUNNABLE = ("CREATE TABLE ", "CREATE INDEX ", "CREATE UNIQUE INDEX ")


def rerunnable(statement: str) -> str | None:
    """The statement in a form that does nothing when its object exists, or None if it has none."""
    prefix = next((prefix for prefix in _RERUNNABLE if statement.startswith(prefix)), None)
    return f"{prefix}IF NOT EXISTS {statement[len(prefix):]}" if prefix else None
