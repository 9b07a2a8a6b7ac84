"""What families ask for and where callers get lost, summed from the usage counts: for the text report staff
read (`flask --app app stats`) and for the console's Usage page, which both call `summarise`.

Pure functions of the counts and the line, so they are tested without a database; places are shown by
their titles in the line's first language, the way staff know them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable

from ivr.content.model import Line
from ivr.store.usage import Count

LOST_EVENTS = ("wrong-key", "silence", "out-of-tries", "hung-up")


@dataclass(frozen=True)
class PlaceCounts:
    """One place (a topic, a menu, the language question, a text's meaning) and its counts by name."""

    place: str
    title: str
    counts: dict[str, int]


@dataclass
class UsageSummary:
    """The counts of a period added up the one way both the report and the console show them."""

    totals: Counter[tuple[str, str]] = field(default_factory=Counter)  # (channel, event) -> how many
    by_day: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))  # day -> calls, texts
    languages: Counter[tuple[str, str]] = field(default_factory=Counter)  # ("call" or "text", language) -> how many
    asked: list[PlaceCounts] = field(default_factory=list)  # opened, finished (voice), texted; most asked first
    lost: list[PlaceCounts] = field(default_factory=list)  # LOST_EVENTS per place; most lost first

    @property
    def empty(self) -> bool:
        """Nothing was counted in the period (every count, even of 0, is in the totals)."""
        return not self.totals

    @property
    def over_budget(self) -> int:
        """Texts not sent (from calls) or not answered (texted in) because the daily text budget was spent."""
        texted_over = next((row.counts["texted"] for row in self.asked if row.place == "over-budget"), 0)
        return self.totals[("voice", "text.over-budget")] + texted_over


def summarise(line: Line, counts: Iterable[Count]) -> UsageSummary:
    """Add up the counts by day, language, place asked for and place lost at."""
    title = place_title(line)
    summary = UsageSummary()
    opened: Counter[str] = Counter()
    finished: Counter[str] = Counter()
    texted: Counter[str] = Counter()
    lost: dict[str, Counter[str]] = defaultdict(Counter)
    for count in counts:
        event, n = count.event, count.count
        summary.totals[(event.channel, event.name)] += n
        if event.channel == "voice" and event.name == "call":
            summary.by_day[count.day]["calls"] += n
        if event.channel == "sms" and event.name == "text":
            summary.by_day[count.day]["texts"] += n
            texted[event.place] += n
            summary.languages[("text", event.language)] += n
        # a call's language: chosen at the question, or remembered from before (then no question is asked)
        if event.name == "language-chosen" or (event.name == "call" and event.language):
            summary.languages[("call", event.language)] += n
        if event.name == "opened":
            opened[event.place] += n
        if event.name == "finished":
            finished[event.place] += n
        if event.name in LOST_EVENTS:
            lost[event.place or "language"][event.name] += n
    asked = (set(opened) | set(texted)) - {""}
    summary.asked = [PlaceCounts(place, title(place), {"opened": opened[place], "finished": finished[place],
                                                       "texted": texted[place]})
                     for place in sorted(asked, key=lambda place: (-(opened[place] + texted[place]), place))]
    summary.lost = [PlaceCounts(place, title(place), {name: lost[place][name] for name in LOST_EVENTS})
                    for place in sorted(lost, key=lambda place: (-sum(lost[place].values()), place))]
    return summary


def usage_report(line: Line, counts: Iterable[Count], days: int) -> str:
    summary = summarise(line, counts)
    total = summary.totals
    lines = [f"OT Info Line usage, last {days} day(s) (UTC). No phone numbers, texts or words are kept.", ""]
    lines.append(f"Calls: {total[('voice', 'call')]}   texts received: {total[('sms', 'text')]}   "
                 f"sections texted from calls: {total[('voice', 'text.sent')]}")
    # key 0 is counted when pressed; a connection only when staff answered (never without STAFF_PHONE_NUMBER)
    lines.append(f"Asked for a person: {total[('voice', 'person')]}   "
                 f"put through (staff answered): {total[('voice', 'person.connected')]}")
    if summary.over_budget:
        lines.append(f"Daily text budget (TEXT_BUDGET_PER_DAY) reached: {summary.over_budget} text(s) not sent or "
                     "answered")
    languages = sorted(summary.languages.items())
    lines.append("Languages: " + (", ".join(f"{channel} {code} {n}" for (channel, code), n in languages) or "none yet"))
    lines += ["", "By day:"] + [f"  {day}  calls {c['calls']:>4}  texts {c['texts']:>4}"
                                for day, c in sorted(summary.by_day.items())]
    lines += ["", "What people asked for (voice: opened / heard to the end; text: keyword texts):"]
    lines += [f"  {row.title:<45} voice {row.counts['opened']:>4} / {row.counts['finished']:<4} "
              f"text {row.counts['texted']:>4}" for row in summary.asked]
    lines += ["", "Where callers get lost (wrong keys, silences, ran out of tries, hung up there):"]
    lines += [f"  {row.title:<45} " + "  ".join(f"{name} {row.counts[name]}" for name in LOST_EVENTS)
              for row in summary.lost]
    if summary.empty:
        lines += ["", "Nothing counted yet in this period."]
    return "\n".join(lines)


def place_title(line: Line) -> Callable[[str], str]:
    topics = line.default_language.topics

    def title(place: str) -> str:
        """'key-points' -> 'Key points (key-points)'; other places ('language', 'help', ...) as they are."""
        topic_id = place.partition(" ")[0]
        return f"{topics[topic_id].title} ({place})" if topic_id in topics else place
    return title
