"""The audio build covers every sentence the line says: proved by crawling the call tree."""

from __future__ import annotations

import pytest

from ivr.content.checks import TEXT_PROMPT_PREFIX
from ivr.voice.utterances import utterances


@pytest.mark.parametrize("tree", ["call_tree", "staffed_call_tree"])
def test_every_sentence_a_caller_can_hear_is_in_the_enumeration(request, line, tree):
    walk = request.getfixturevalue(tree)
    says, plays = set(walk.said), walk.played
    enumerated = {utterance.text for language in line.languages.values() for utterance in utterances(line, language)}
    assert not plays  # no audio built: everything is <Say>
    assert says - enumerated == set()
    assert len(says) > 40  # the crawl really walked the menus, sections and endings


def test_enumeration_fills_every_template_and_lists_each_part_once(line):
    language = line.default_language
    said = utterances(line, language)
    texts = [utterance.text for utterance in said]
    assert len(texts) == len(set(texts))
    assert not any("{" in text for text in texts)
    assert "For key points, press 3." in texts
    assert f"To go back, press {language.key_word('*')}." in texts
    spoken_prompts = {name for name in language.prompts if not name.startswith(TEXT_PROMPT_PREFIX)}
    assert {utterance.source for utterance in said} >= spoken_prompts | set(language.topics)
    assert not any(utterance.source.startswith(TEXT_PROMPT_PREFIX) for utterance in said)  # texts are never spoken


def test_each_part_of_a_mixed_page_is_enumerated_and_made_in_its_own_languages_voice(line):
    """The welcome mixes languages ("Para español, oprima numeral." in an English call): each part is
    looked up, built and spoken as its own language's utterance, never in the caller's language's voice."""
    from ivr.audio.catalog import NoAudio
    from ivr.voice.transcript import heard
    from ivr.voice.twiml import VoicePages

    pages = VoicePages(line, NoAudio(), staff_number="+15005550100", texting=True)
    for language in line.languages.values():
        said = heard(pages.choices(language, "main", welcome=True))
        others = [part for part in said if part.voice != language.voice]
        assert others, "the other language offers itself in the welcome"
        for part in said:
            speaker = next(each for each in line.languages.values() if each.voice == part.voice)
            assert part.speech_language == speaker.speech_language
            assert part.text in {utterance.text for utterance in utterances(line, speaker)}
            own = {utterance.text for utterance in utterances(line, language)}
            assert speaker is language or part.text not in own  # never in the caller's language's list
