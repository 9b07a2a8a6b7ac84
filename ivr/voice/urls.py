"""The voice line's URLs. All call state travels in them, so any instance can answer any request."""

from __future__ import annotations

from urllib.parse import quote, urlencode

REVISION_PARAMETER = "rev"


def _url(path: str, **query: object) -> str:
    params = {name: value for name, value in query.items() if value not in (None, "", False)}
    return f"{path}?{urlencode(params)}" if params else path


def language_choice(attempt: int = 1, reason: str | None = None) -> str:
    return _url("/voice/language", attempt=attempt if attempt > 1 else None, reason=reason)


def language_chosen(attempt: int) -> str:
    return _url("/voice/language/choose", attempt=attempt)


def choices(lang: str, topic: str, attempt: int = 1, reason: str | None = None, welcome: bool = False,
            recovering: bool = False) -> str:
    return _url(f"/voice/{quote(lang)}/choices/{quote(topic)}", attempt=attempt if attempt > 1 else None,
                reason=reason, welcome=int(welcome), recovering=int(recovering))


def chosen(lang: str, topic: str, attempt: int, confirm: str | None = None) -> str:
    """`confirm` names the choice the caller is asked to confirm (Choice.meaning)."""
    return _url(f"/voice/{quote(lang)}/choices/{quote(topic)}/choose", attempt=attempt, confirm=confirm)


def part(lang: str, topic: str, index: int) -> str:
    return f"/voice/{quote(lang)}/topic/{quote(topic)}/part/{index}"


def part_chosen(lang: str, topic: str, index: int) -> str:
    return f"/voice/{quote(lang)}/topic/{quote(topic)}/part/{index}/choose"


def person_done(lang: str, topic: str, index: int | None = None) -> str:
    return _url(f"/voice/{quote(lang)}/person/done", topic=topic, part=index)


def in_revision(url: str, revision: int | None) -> str:
    """The URL with the revision of the words that made it (`rev`), so the call's next step is said in
    the same revision even when a newer one was published meanwhile (see ivr/live_revision.py)."""
    if revision is None:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode({REVISION_PARAMETER: revision})}"
