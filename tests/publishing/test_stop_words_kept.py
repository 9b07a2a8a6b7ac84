"""A publish never takes away a way of asking to stop: a family that stopped the texts with PARAR yesterday must be
able to stop them with PARAR today. Words may be added; removing one is a recorded decision on the command line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask

import ivr.publishing.publish as publish_module
from ivr.content.model import Language
from ivr.text_rules.revocation import stop_words_taken_away
from tests.publishing.revising import found, reviewed_draft, staff
from tests.shipped import shipped_line
from tests.staff_words import edit

LINE = shipped_line()


def with_words(language: Language, field: str, words: tuple[str, ...]) -> Language:
    if field == "keywords.stop":
        return replace(language, compliance_words={**language.compliance_words, "stop": words})
    return replace(language, opt_out_context={**language.opt_out_context, field: words})


@pytest.mark.parametrize("change, taken_away", [
    (lambda es: es, []),
    (lambda es: with_words(es, "keywords.stop", ("CANCELAR", "ALTO", "BAJA", "BASTA")), ["es keywords.stop: parar"]),
    (lambda es: with_words(es, "keywords.stop", ("parar", "cancelar", "alto", "baja", "basta")), []),  # case only
    (lambda es: with_words(es, "keywords.stop", (*es.compliance_words["stop"], "YA NO")), []),  # one more
    (lambda es: with_words(es, "opt-out.phrases", es.opt_out_context["opt-out.phrases"][1:]),
     [f"es opt-out.phrases: {LINE.language('es').opt_out_context['opt-out.phrases'][0].casefold()}"]),
])
def test_which_ways_to_stop_a_new_revision_would_take_away(change, taken_away: list[str]) -> None:
    spanish = LINE.language("es")
    assert stop_words_taken_away(LINE.languages, {**LINE.languages, "es": change(spanish)}) == taken_away


def test_a_language_taken_away_takes_all_its_ways_to_stop() -> None:
    gone = stop_words_taken_away(LINE.languages, {"en": LINE.language("en")})
    assert "es keywords.stop: parar" in gone and all(entry.startswith("es ") for entry in gone)


def test_a_revision_without_parar_is_not_published_and_the_refusal_is_on_the_record(app: Flask, words: Path) -> None:
    number = reviewed_draft(app, words, "keywords.stop: PARAR, ", "keywords.stop: ", staff_file="prompts/es.txt")
    refused = staff(app, "publish", str(number), "--by", "ben", "--allow-missing-audio")
    assert refused.exit_code != 0
    assert "es keywords.stop: parar" in refused.output and "STOP means stop" in refused.output
    assert found(app).revisions.live_number() == 1
    [audited] = [row for row in found(app).revisions.audit() if row.action == "publish"]
    assert audited.outcome.startswith("refused: ") and "parar" in audited.outcome

    published = staff(app, "publish", str(number), "--by", "ben", "--allow-missing-audio", "--allow-fewer-stop-words")
    assert published.exit_code == 0, published.output
    assert found(app).revisions.live_number() == number
    assert any(row.outcome.startswith("allowed fewer stop words:") for row in found(app).revisions.audit())


def test_more_ways_to_stop_publish_as_any_change(app: Flask, words: Path) -> None:
    number = reviewed_draft(app, words, "keywords.stop: PARAR, ", "keywords.stop: PARAR, YA NO, ",
                            staff_file="prompts/es.txt")
    assert staff(app, "publish", str(number), "--by", "ben", "--allow-missing-audio").exit_code == 0


def test_a_rollback_to_words_without_a_way_to_stop_added_since_is_refused(app: Flask, words: Path) -> None:
    """YA NO was added and published; rolling back to the words before would take it away again: refused, named,
    audited, unless the command line says --allow-fewer-stop-words."""
    number = reviewed_draft(app, words, "keywords.stop: PARAR, ", "keywords.stop: PARAR, YA NO, ",
                            staff_file="prompts/es.txt")
    assert staff(app, "publish", str(number), "--by", "ben", "--allow-missing-audio").exit_code == 0
    refused = staff(app, "rollback", "--by", "ben")
    assert refused.exit_code != 0 and "es keywords.stop: ya no" in refused.output, refused.output
    assert "cannot be rolled back to" in refused.output
    assert found(app).revisions.live_number() == number
    assert any(row.action == "rollback" and row.outcome.startswith("refused: ") and "ya no" in row.outcome
               for row in found(app).revisions.audit())
    rolled = staff(app, "rollback", "--by", "ben", "--allow-fewer-stop-words")
    assert rolled.exit_code == 0, rolled.output
    assert found(app).revisions.live_number() == number + 1  # a copy of revision 1, live
    assert any(row.action == "rollback" and row.outcome.startswith("allowed fewer stop words:")
               for row in found(app).revisions.audit())


def test_a_rollback_that_keeps_every_way_to_stop_needs_nothing_more(app: Flask, words: Path) -> None:
    number = reviewed_draft(app, words)  # an edit of the key points only
    assert staff(app, "publish", str(number), "--by", "ben", "--allow-missing-audio").exit_code == 0
    assert staff(app, "rollback", "--by", "ben").exit_code == 0


def test_a_publish_between_the_check_and_the_swap_makes_the_check_count_again(
        app: Flask, words: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Revision A adds YA NO; revision B (an edit of the key points, made before A) does not have it. B is checked
    against the live words, then A goes live (another reviewer), then B's swap: B must not go live without YA NO."""
    adds = reviewed_draft(app, words, "keywords.stop: PARAR, ", "keywords.stop: PARAR, YA NO, ",
                          staff_file="prompts/es.txt")
    edit(words / "prompts/es.txt", "keywords.stop: PARAR, YA NO, ", "keywords.stop: PARAR, ")
    lacks = reviewed_draft(app, words)
    checked_against_the_old_words = publish_module.missing_audio

    def another_reviewer_publishes_meanwhile(*args: object, **kwargs: object) -> object:
        monkeypatch.setattr(publish_module, "missing_audio", checked_against_the_old_words)
        assert staff(app, "publish", str(adds), "--by", "cy", "--allow-missing-audio").exit_code == 0
        return checked_against_the_old_words(*args, **kwargs)

    monkeypatch.setattr(publish_module, "missing_audio", another_reviewer_publishes_meanwhile)
    raced = staff(app, "publish", str(lacks), "--by", "ben", "--allow-missing-audio")
    assert raced.exit_code != 0 and "went live while this publish was being checked" in raced.output, raced.output
    assert found(app).revisions.live_number() == adds
    again = staff(app, "publish", str(lacks), "--by", "ben", "--allow-missing-audio")  # checked against A now
    assert again.exit_code != 0 and "es keywords.stop: ya no" in again.output
