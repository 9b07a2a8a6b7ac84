"""The usage report staff read (`flask --app app stats`): what families ask for, where callers get lost.

A pure function of the counts and the line, so it is tested without a database; places are shown by
their titles in the line's first language, the way staff know them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Callable, Iterable

from ivr.content.model import Line
from ivr.store.usage import Count

LOST_EVENTS = ("wrong-key", "silence", "out-of-tries", "hung-up")


def usage_report(line: Line, counts: Iterable[Count], days: int) -> str:
    counts = list(counts)
    title = _titles(line)
    total: Counter[tuple[str, str]] = Counter()
    by_day: dict[str, Counter[str]] = defaultdict(Counter)
    opened: Counter[str] = Counter()
    finished: Counter[str] = Counter()
    texted: Counter[str] = Counter()
    lost: dict[str, Counter[str]] = defaultdict(Counter)
    languages: Counter[str] = Counter()
    for count in counts:
        event, n = count.event, count.count
        total[(event.channel, event.name)] += n
        if event.channel == "voice" and event.name == "call":
            by_day[count.day]["calls"] += n
        if event.channel == "sms" and event.name == "text":
            by_day[count.day]["texts"] += n
            texted[event.place] += n
            languages[f"text {event.language}"] += n
        if event.name == "language-chosen" or (event.name == "call" and event.language):
            languages[f"call {event.language}"] += n
        if event.name == "opened":
            opened[event.place] += n
        if event.name == "finished":
            finished[event.place] += n
        if event.name in LOST_EVENTS:
            lost[event.place or "language"][event.name] += n

    lines = [f"OT Info Line usage, last {days} day(s) (UTC). No phone numbers, texts or words are kept.", ""]
    lines.append(f"Calls: {total[('voice', 'call')]}   texts received: {total[('sms', 'text')]}   "
                 f"sections texted from calls: {total[('voice', 'text.sent')]}")
    # key 0 is counted when pressed; a connection only when staff answered (never without STAFF_PHONE_NUMBER)
    lines.append(f"Asked for a person: {total[('voice', 'person')]}   "
                 f"put through (staff answered): {total[('voice', 'person.connected')]}")
    over_budget = total[("voice", "text.over-budget")] + texted["over-budget"]
    if over_budget:
        lines.append(f"Daily text budget (TEXT_BUDGET_PER_DAY) reached: {over_budget} text(s) not sent or answered")
    lines.append("Languages: " + (", ".join(f"{name} {n}" for name, n in sorted(languages.items())) or "none yet"))
    lines += ["", "By day:"]
    lines += [f"  {day}  calls {c['calls']:>4}  texts {c['texts']:>4}" for day, c in sorted(by_day.items())]
    lines += ["", "What people asked for (voice: opened / heard to the end; text: keyword texts):"]
    asked = sorted(set(opened) | set(texted) - {""}, key=lambda place: -(opened[place] + texted[place]))
    lines += [f"  {title(place):<45} voice {opened[place]:>4} / {finished[place]:<4} text {texted[place]:>4}"
              for place in asked]
    lines += ["", "Where callers get lost (wrong keys, silences, ran out of tries, hung up there):"]
    ranked = sorted(lost, key=lambda place: -sum(lost[place].values()))
    lines += [f"  {title(place):<45} " + "  ".join(f"{name} {lost[place][name]}" for name in LOST_EVENTS)
              for place in ranked]
    if not counts:
        lines += ["", "Nothing counted yet in this period."]
    return "\n".join(lines)


def _titles(line: Line) -> Callable[[str], str]:
    topics = line.default_language.topics

    def title(place: str) -> str:
        """'key-points' -> 'Key points (key-points)'; other places ('language', 'help', ...) as they are."""
        topic_id = place.partition(" ")[0]
        return f"{topics[topic_id].title} ({place})" if topic_id in topics else place
    return title
