"""Who may move a revision where: one pure decision, tested by the table in tests/cases/revision_steps.tsv."""

from __future__ import annotations

from dataclasses import dataclass

DRAFT, IN_REVIEW, APPROVED, LIVE, RETIRED = "draft", "in_review", "approved", "live", "retired"
STATES = (DRAFT, IN_REVIEW, APPROVED, LIVE, RETIRED)
SUBMIT, APPROVE, PUBLISH, ROLLBACK, EDIT = "submit", "approve", "publish", "rollback", "edit"
ACTIONS = (SUBMIT, APPROVE, PUBLISH, ROLLBACK, EDIT)


@dataclass(frozen=True)
class Step:
    """The state a revision moves to, or None with the reason it may not (said to staff as one line)."""

    state: str | None
    reason: str


def decide(state: str, action: str, actor: str, author: str, self_approve: bool = False, missing_audio: int = 0,
           allow_missing_audio: bool = False) -> Step:
    """What `action` by `actor` does to a revision in `state` written by `author`.

    `missing_audio` counts the parts a revision to publish has no audio for in the line's voice.
    ROLLBACK asks about the old revision being restored: its copy goes live as a new revision.
    """
    if action == SUBMIT:
        if state == DRAFT:  # the author (or anyone) asks for a second person's review
            return Step(IN_REVIEW, "submitted for review")
        return Step(None, f"it is {_said(state)}; only a draft can be submitted for review")
    if action == APPROVE:
        if state == DRAFT:  # a reviewer must see what the author considers finished
            return Step(None, "it is a draft; its author submits it for review first (content submit)")
        if state != IN_REVIEW:  # approving again, or a live or retired revision, means nothing
            return Step(None, f"it is {_said(state)}; only a revision in review can be approved")
        if actor != author:  # the two-person rule: families hear nothing only its author has read
            return Step(APPROVED, f"approved by {actor}, a second person")
        if self_approve:  # one-person development set-up, said so on purpose and audited
            return Step(APPROVED, f"self-approved by its author {actor} (--self-approve)")
        return Step(None, f"{author} wrote it, so a different person must approve it "
                          "(--self-approve only in a one-person development set-up)")
    if action == PUBLISH:
        if state == APPROVED and missing_audio and not allow_missing_audio:  # families would hear <Say> unasked
            return Step(None, f"{missing_audio} part(s) have no audio in the line's voice; run audio build, or "
                              "publish with --allow-missing-audio to speak them with <Say>")
        if state == APPROVED and missing_audio:  # the staff member chose spoken fallback, and it is recorded
            return Step(LIVE, f"published with {missing_audio} part(s) spoken with <Say> (--allow-missing-audio)")
        if state == APPROVED:  # reviewed by a second person, its audio complete: it may go live
            return Step(LIVE, "published")
        if state == LIVE:  # nothing to do, and saying so beats a silent success
            return Step(None, "it is already live")
        if state == RETIRED:  # an old revision comes back through rollback, which records why
            return Step(None, "it was live before; bring it back with content rollback")
        return Step(None, f"it is {_said(state)}; a different person must approve it before it goes live")
    if action == ROLLBACK:
        if state == RETIRED:  # it was reviewed and live once: its copy may go live again at once
            return Step(LIVE, "restored as a new live revision")
        if state == LIVE:  # rolling back to what families hear now changes nothing
            return Step(None, "it is already live")
        return Step(None, f"it is {_said(state)} and was never live; it goes live through review and publish")
    if action == EDIT:
        if state != DRAFT:  # what a reviewer read, approved or published must not change under them
            return Step(None, f"it is {_said(state)}; only a draft can be edited "
                              "(start a new draft from the live words)")
        if actor != author:  # an editor of someone's draft could then approve words they wrote themselves
            return Step(None, f"it is {author}'s draft; a second person reviews it rather than writing into it "
                              "(start your own draft)")
        return Step(DRAFT, "edited")  # its author changes it until they submit it
    return Step(None, f"unknown action {action!r}")  # a caller's bug, refused like any other


def _said(state: str) -> str:
    return {DRAFT: "a draft", IN_REVIEW: "in review"}.get(state, state)
