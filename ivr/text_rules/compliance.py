"""The words carriers and Twilio reserve for opting out, back in, and asking for help.

They are the platform's, not the line's, and the same in every language: Twilio acts on exactly
these single words on long codes and toll-free numbers (support articles 223134027, 223181748).
Matched exactly (any case, punctuation around them ignored), they are what Twilio itself acts on and
confirms; a request to stop in other words ("STOP please", "ЅТОР") is recognised by ivr/text_rules/revocation.py,
and then the line records it and confirms it itself.
"""

from __future__ import annotations

OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
# Never ordinary words: anywhere in a text they ask to stop (ivr/text_rules/revocation.py).
UNMISTAKABLE_OPT_OUT_WORDS = frozenset({"STOPALL", "UNSUBSCRIBE", "REVOKE", "OPTOUT"})
RESERVED_WORDS = OPT_OUT_WORDS | OPT_IN_WORDS | HELP_WORDS
