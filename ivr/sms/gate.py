"""The texting gate: every text that comes in (`receive`) and every text sent from a call (`send_topic`).

The line's texting rules live here once: the number is hashed, its state loaded (the store, overlaid by
any opt-out kept on this instance during an outage), the opt-out honoured, the number's limits counted,
and only the columns that changed are written back, each write unable to undo an opt-out made meanwhile.
What to answer is decided by replies.answer (pure); the REST call is sender.py's. No HTTP here.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Mapping

from ivr.content.model import Language, Line
from ivr.sms.replies import Answer, Incoming, Policy, answer, compliance_reply, part_answer
from ivr.sms.sender import OPTED_OUT, SENT, Sender
from ivr.sms.spool import OptOutChange, OptOutSpool
from ivr.store.database import StoreUnavailable
from ivr.store.numbers import CLOCK_SKEW_SECONDS, NumberHasher, NumberState, NumberStore, RateLimits, has_caller_id

log = logging.getLogger(__name__)

ANSWER, DROP = "answer", "drop"  # limit verdicts; any other verdict is the prompt to send once instead
_MORE = "more"  # what answer() calls MORE going on within a section: it does not count toward the minute
REPEATED = "repeated"  # what a Twilio retry was taken for: it gets the first reply and is not counted again
RETRY_WAIT_SECONDS = 2.0  # a retry racing the first delivery waits this long for its reply, then answers empty
SPOOL_RETRY_SECONDS = 5.0  # how often opt-outs kept during an outage are tried again while no text comes in
# How old this instance's copy of the opted-out numbers may grow: when the store goes down, a number that
# opted out through another instance (or an import) less than this long ago is the only one it may not know.
# After the first full copy, each refresh reads only the rows changed since the last one.
KNOWN_OPT_OUTS_SECONDS = 10.0
_OPT_WORDS = frozenset({"stop", "start"})  # what answer() calls the opt-out and opt-in words
_PLACE_FIELDS = ("language", "topic", "next_part")


@dataclass
class _Memory:
    """What a gate learns as it runs, one object for every copy of the gate answering with other words (a live
    swap keeps the revision live before for the calls still hearing it): an opt-out learnt through either copy
    is known to both, and the spool has one background retry.

    The copy of the opted-out numbers changes on many request threads at once: every change is made under one
    lock, and a refresh (one at a time) keeps what was learnt while it read the store, which is newer than the
    read.
    """

    retrying: threading.Lock = field(default_factory=threading.Lock)
    failed_at: float = float("-inf")  # when applying the spool last failed
    known_opt_outs: frozenset[str] = frozenset()  # the copy of the opted-out numbers an outage relies on
    known_at: float = float("-inf")  # when that copy was last refreshed (time.monotonic)
    known_since: int = 0  # the store time the next refresh reads changes from
    _changing: threading.Lock = field(default_factory=threading.Lock)
    _refreshing: threading.Lock = field(default_factory=threading.Lock)
    _learnt: dict[str, int] = field(default_factory=dict)  # number -> when it was learnt, in order (a count)
    _learnt_count: int = 0

    def learn(self, number: str, opted_out: bool) -> None:
        """An opt-out (or opt-in) this instance has just written to the store."""
        with self._changing:
            self._learnt_count += 1
            self._learnt[number] = self._learnt_count
            known = self.known_opt_outs
            self.known_opt_outs = known | {number} if opted_out else known - {number}

    def outage_state(self, number: str) -> NumberState:
        """What an outage knows of a number: opted out if the copy says so, or if there is no copy yet (a worker
        started while the store is down cannot tell an opted-out number from a new one: unsure, it stays out)."""
        return NumberState(opted_out=number in self.known_opt_outs or self.known_at == float("-inf"))

    def refresh(self, read: Callable[[int], tuple[int, dict[str, bool]]]) -> None:
        """Bring the copy up to date with read(since): the store's time and each number changed since then.

        Skipped while another thread refreshes. A number learnt while the store was read keeps what was learnt;
        what was learnt before the read began is in the read (learn() follows the write), and is forgotten here.
        """
        if not self._refreshing.acquire(blocking=False):
            return
        try:
            with self._changing:
                began = self._learnt_count
            now, changed = read(self.known_since)
            with self._changing:
                newer = {number for number, order in self._learnt.items() if order > began}
                read_changes = changed.keys() - newer
                self.known_opt_outs = (self.known_opt_outs - read_changes) | {
                    number for number in read_changes if changed[number]}
                self._learnt = {number: order for number, order in self._learnt.items() if order > began}
                # rows dated by a clock behind, or committed late: a row missed here would be missed for good
                self.known_since, self.known_at = now - CLOCK_SKEW_SECONDS, time.monotonic()
        finally:
            self._refreshing.release()


@dataclass
class TextGate:
    """One gate for texting, shared by the /sms webhook and the voice line's "text me this" key."""

    line: Line
    store: NumberStore
    hasher: NumberHasher
    limits: RateLimits
    policy: Policy
    spool: OptOutSpool
    sender: Sender | None = None  # None: no REST credentials, so no texting from a call
    countries: tuple[str, ...] = ("1",)  # country calling codes a text from a call may go to (TEXT_COUNTRIES)
    # An init field, so dataclasses.replace hands a copy the same object rather than a blank memory.
    _memory: _Memory = field(default_factory=_Memory, repr=False, compare=False)

    def answering_from(self, line: Line) -> TextGate:
        """This gate answering with another revision's words (a live swap, the console's simulator), sharing
        what it learns with this one."""
        return replace(self, line=line)

    # --- texts coming in ------------------------------------------------------------------------------

    def receive(self, sender: str, message_sid: str, incoming: Incoming) -> Answer:
        """The answer to one incoming text; with the store down, as to a new number unless it is known to have
        opted out (this instance's copy of the opted-out numbers, and its spool)."""
        number = self.hasher(sender)
        self.catch_up()
        try:
            result = self._receive(number, message_sid, incoming)
        except StoreUnavailable as error:
            before = self._with_kept_opt_out(number, self._memory.outage_state(number))
            result = answer(self.line, before, incoming, self.policy)
            if result.state.opted_out != before.opted_out or result.understood in _OPT_WORDS:
                self._keep_opt_out(number, result.state.opted_out, _new_language(before, result.state))
            log.error("store unavailable, text answered without memory (%s): %s", result.understood, error)
            return result
        self.catch_up(force=True)  # the store answered just now: apply what an outage kept without waiting
        self.refresh_known_opt_outs()
        return result

    def refresh_known_opt_outs(self) -> None:
        """Keep a copy of who has opted out (at most KNOWN_OPT_OUTS_SECONDS old), so an outage cannot make
        them new numbers again; create_app takes the first one, so a new worker has it before its first text."""
        if time.monotonic() - self._memory.known_at < KNOWN_OPT_OUTS_SECONDS:
            return
        try:
            self._memory.refresh(self.store.opt_outs_changed_since)
        except StoreUnavailable as error:
            log.warning("cannot refresh the opted-out numbers kept for an outage: %s", error)

    def _receive(self, number: str, message_sid: str, incoming: Incoming) -> Answer:
        if message_sid and not self.store.claim_message(message_sid):  # a retry: answered, or being answered
            return Answer(self._retry_reply(number, message_sid), NumberState(), limited=False, understood=REPEATED)
        before = self._remembered(number, self.store.number(number))
        result = answer(self.line, before, incoming, self.policy)
        if result.limited:  # answer() says which texts count: never STOP, START or HELP
            counts = self.store.count_message(number, per_minute=result.understood != _MORE)
            verdict = limit_verdict(result.understood, counts, self.limits)
            if verdict != ANSWER:
                result = self._over_limit(number, before, result, verdict, counts)
        result = replace(result, reply=self._save(number, before, result))
        if message_sid:
            self.store.remember_reply(message_sid, json.dumps(result.reply))
        return result

    def _over_limit(self, number: str, before: NumberState, result: Answer, verdict: str,
                    counts: dict[str, int]) -> Answer:
        """No answer, or the one short "wait" reply in the number's language; where MORE goes on is not moved."""
        if not self.limits.within_budget(counts):
            self._log_budget_reached()
            return Answer(None, replace(before, opted_out=result.state.opted_out), understood="over-budget")
        log.warning("text from number %s... over its rate limit: %s", number[:12], verdict)
        language = self.line.language(before.language or result.state.language)
        reply = language.prompt(verdict)[0] if verdict != DROP else None
        return Answer(reply, replace(before, opted_out=result.state.opted_out), understood="over-limit")

    def _retry_reply(self, number: str, message_sid: str) -> str | None:
        """The first delivery's reply; if the number opted out since, only a reply an opted-out number may get.

        Twilio retries a webhook whose answer it never got, so the retry's reply is the one actually sent:
        a section or menu asked for before a STOP must not go out after it, but HELP and a STOP's own
        confirmation still may.
        """
        reply = self._first_reply(message_sid)
        if reply is None or not self._remembered(number, self.store.number(number)).opted_out:
            return reply
        allowed = {text for language in self.line.languages.values()
                   for text in (language.prompt("sms.stopped")[0], compliance_reply(language, "help", self.policy))}
        return reply if reply in allowed else None

    def _first_reply(self, message_sid: str) -> str | None:
        """The reply the first delivery of this MessageSid gave, waiting briefly for it; else nothing."""
        deadline = time.monotonic() + RETRY_WAIT_SECONDS
        while (stored := self.store.reply_to(message_sid)) is None and time.monotonic() < deadline:
            time.sleep(0.02)
        try:
            return json.loads(stored) if stored is not None else None
        except ValueError:  # TwiML kept by the version before this one: the text was answered then
            return None

    def _save(self, number: str, before: NumberState, result: Answer) -> str | None:
        """Write what changed, column by column; return the reply, or None if the number opted out meanwhile."""
        after = result.state
        if after.opted_out != before.opted_out or result.understood in _OPT_WORDS:
            if not self._record_opt_out(number, after.opted_out, _new_language(before, after)):
                return result.reply  # kept on this instance: the store cannot be asked, the spool is the truth
        changes = {field: getattr(after, field) for field in _PLACE_FIELDS
                   if getattr(after, field) != getattr(before, field)}
        if after.opted_out:  # (its language still counts: AYUDA says the number reads Spanish)
            self.store.set_place(number, changes)
            return result.reply
        if result.reply is None and not changes:
            return None
        if self.store.update_unless_opted_out(number, changes):
            return result.reply
        log.info("reply to number %s... withheld: it opted out meanwhile", number[:12])
        return None

    # --- texts sent from a call -----------------------------------------------------------------------

    def send_topic(self, language: Language, topic_id: str, caller: str, called_number: str) -> str:
        """Text a topic's first part to a caller (from the number called); return the prompt saying how it went."""
        if self.sender is None:  # no REST credentials configured
            return "text.unavailable"
        if not has_caller_id(caller):
            return "text.no-caller-id"
        if not in_countries(caller, self.countries):  # a spoofed caller ID abroad must not run up the bill
            return "text.country"
        number = self.hasher(caller)
        self.catch_up()
        if self.spool.pending(number) is not None:  # an opt-out (or opt-in) not in the store yet: never text blind
            return OPTED_OUT
        try:
            state, counts = self.store.prepare_send(number)
            state = self._remembered(number, state)
        except StoreUnavailable as error:  # no way to check the opt-out: never text blind
            log.warning("text not sent: the store is unavailable (%s)", error)
            return "text.failed"
        if state.opted_out:
            return OPTED_OUT
        if not self.limits.allow(counts):
            log.warning("text to number %s... not sent: over the rate limit", number[:12])
            return "text.too-many"
        if not self.limits.within_budget(counts):
            self._log_budget_reached()
            return "text.over-budget"
        sent = part_answer(language, topic_id, 0, state)
        outcome = self.sender.send(caller, sent.reply or "", called_number, number)
        if outcome == OPTED_OUT:  # Twilio knows the number replied STOP to this sender
            self._record_opt_out(number, True, None)
        elif outcome == SENT:
            try:
                self._save(number, state, sent)
            except StoreUnavailable as error:
                log.warning("text sent, but where MORE goes on is not remembered: %s", error)
        return outcome

    def _log_budget_reached(self) -> None:
        log.warning("daily text budget reached (TEXT_BUDGET_PER_DAY=%d): no more texts today", self.limits.line_per_day)

    # --- opt-outs, and the spool that keeps them through an outage ------------------------------------

    def _remembered(self, number: str, state: NumberState) -> NumberState:
        """The store's state of a number with what this instance knows besides: its spool, and an opt-out in its copy
        that the store has lost (a deleted file, a dropped table: the line starts afresh), written to it again."""
        if not state.opted_out and number in self._memory.known_opt_outs and self.store.restore_opt_out(number):
            log.error("the store had lost the opt-out of number %s...: written again", number[:12])
            state = replace(state, opted_out=True)
        return self._with_kept_opt_out(number, state)

    def _with_kept_opt_out(self, number: str, state: NumberState) -> NumberState:
        kept = self.spool.pending(number)
        return state if kept is None else replace(state, opted_out=kept)

    def _record_opt_out(self, number: str, opted_out: bool, language: str | None) -> bool:
        """Write an opt-out (or opt-in) to the store; keep it on this instance if that fails. True if written.

        While the spool holds a change for the number, a newer one joins it there, so they apply in order.
        """
        if self.spool.pending(number) is None:
            try:
                self.store.record_opt_out(number, opted_out, language)
                self._memory.learn(number, opted_out)
                return True
            except StoreUnavailable as error:
                log.error("opt-out of number %s... kept on this instance: %s", number[:12], error)
        self._keep_opt_out(number, opted_out, language)
        return False

    def _keep_opt_out(self, number: str, opted_out: bool, language: str | None) -> None:
        self.spool.append(number, opted_out, language)
        self.retry_kept_opt_outs()

    def catch_up(self, force: bool = False) -> None:
        """Apply opt-outs kept during an outage, in order, before anything else reads the store.

        After a failed try, requests leave it to the background retry for a few seconds, so an outage does not
        cost each text one more store timeout (meanwhile the spool itself answers for the numbers it holds).
        """
        if not self.spool.holds_entries():
            return
        if not force and time.monotonic() - self._memory.failed_at < SPOOL_RETRY_SECONDS:
            return
        in_store: dict[str, bool] = {}

        def write(changes: Iterable[OptOutChange]) -> None:
            in_store.update(self.store.apply_opt_outs(changes))

        try:
            applied = self.spool.apply(write)
        except StoreUnavailable as error:
            self._memory.failed_at = time.monotonic()
            log.warning("opt-outs kept on this instance wait for the store: %s", error)
            return
        # Out of the spool, into the copy an outage relies on: as the store has them, since it may refuse a kept
        # START (a STOP through another instance came after it).
        for number, opted_out in in_store.items():
            self._memory.learn(number, opted_out)
        if applied:
            log.warning("applied %d opt-out change(s) kept on this instance while the store was down", len(applied))

    def retry_kept_opt_outs(self) -> None:
        """While the spool holds changes, try them every few seconds in the background (one thread at most)."""
        if self.spool.holds_entries() and self._memory.retrying.acquire(blocking=False):
            threading.Thread(target=self._retry_until_applied, name="optout-spool", daemon=True).start()

    def _retry_until_applied(self) -> None:
        while True:
            try:
                while self.spool.holds_entries():
                    time.sleep(SPOOL_RETRY_SECONDS)
                    self.catch_up(force=True)
            finally:
                self._memory.retrying.release()
            if not (self.spool.holds_entries() and self._memory.retrying.acquire(blocking=False)):
                return  # (re-checked: a change kept just as the loop ended must not wait for the next text)


def _new_language(before: NumberState, after: NumberState) -> str | None:
    """The language an opt-out word set (PARAR: Spanish), to keep with the opt-out; None if unchanged."""
    return after.language if after.language != before.language else None


def in_countries(number: str, countries: tuple[str, ...]) -> bool:
    """Whether an E.164 number is in one of the countries (calling codes are prefix-free, so a prefix decides)."""
    return any(number.startswith(f"+{code}") for code in countries)


def limit_verdict(understood: str, counts: Mapping[str, int], limits: RateLimits) -> str:
    """What to do with a limited text whose counts (this one included) are known: answer, drop, or a prompt to
    send once. (STOP, START and HELP never get here: answer() marks them unlimited.)

    A loop with an auto-responder is stopped, but a person is told once why the line went quiet.
    """
    if not limits.within_budget(counts):  # the line's budget for today is spent: nothing more costs money
        return DROP
    day, minute = counts.get("day", 0), counts.get("minute", 0)
    if day > limits.per_day:  # the first text over the day's limit is told to come back tomorrow, later ones not
        return "sms.limit-day" if day == limits.per_day + 1 else DROP
    if understood != _MORE and minute > limits.per_minute:  # paging with MORE never trips the minute
        return "sms.limit-minute" if minute == limits.per_minute + 1 else DROP
    return ANSWER  # within every limit
