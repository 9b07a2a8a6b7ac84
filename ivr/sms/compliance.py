"""The words carriers and Twilio reserve for opting out, back in, and asking for help.

They are the platform's, not the line's, and the same in every language: Twilio acts on exactly
these single words on long codes and toll-free numbers (support articles 223134027, 223181748).
The line matches them exactly (any case, punctuation around them ignored), never by near spelling:
a typo must not opt someone out, and "STOP please" is not a keyword for Twilio either.
"""

from __future__ import annotations

OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
RESERVED_WORDS = OPT_OUT_WORDS | OPT_IN_WORDS | HELP_WORDS
