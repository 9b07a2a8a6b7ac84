"""`content check` on what callers hear: menu lengths, spoken reading level and wording that sounds wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.audio.catalog import NoAudio
from ivr.audio.folder import AudioFolder, Entry, lookup_key
from ivr.content.spoken_rules import spoken_text_findings, title_findings
from ivr.voice.transcript import heard
from ivr.voice.twiml import VoicePages
from tests.staff_words import content_check, edit


def check(words: Path, **env: str):
    """`content check` on a copy of the words, with its own (empty) audio folder."""
    return content_check(words, "--verbose", AUDIO_DIR=str(words / "audio"), **env)


def line_of(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


@pytest.mark.parametrize(("text", "language", "finding"), [
    ("For early intervention, for children from birth to 3, press 2.", "en", "number right before"),
    ("Para la intervención temprana, de 0 a 3 años, oprima 2.", "es", "number right before"),
    ("An O T is an occupational therapist.", "en", "'An O T'"),
    ("For example, an OT can help a child.", "en", "'an OT'"),
    ("O Ts may work in hospitals.", "en", "'O Ts'"),
    ("Ask the O T about it.", "en", "'the O T'"),
    ("La TO puede ayudar.", "es", "'TO'"),
    ("qué es la T O", "es", "'T O'"),
    ('O T helps children do the "jobs" of childhood.', "en", "in quotes"),
    ("los \u201ctrabajos\u201d de la niñez", "es", "in quotes"),
])
def test_spoken_lines_that_sound_wrong_are_found(text, language, finding):
    assert any(finding in found for found in spoken_text_findings(text, language))


@pytest.mark.parametrize(("text", "language"), [
    ("Welcome to the O T Info Line.", "en"),
    ("O T may be available through an early intervention program.", "en"),
    ("For key points, press 3.", "en"),
    ("Es un programa para niños desde que nacen hasta los 3 años.", "es"),
    ("Para todos los niños, oprima 1.", "es"),
])
def test_lines_that_sound_right_are_left_alone(text, language):
    assert spoken_text_findings(text, language) == []


@pytest.mark.parametrize(("title", "language", "finding"), [
    ("asking your care team", "en", "starts with 'asking'"),
    ("early intervention, for children from birth to 3", "en", "number right before"),
    ("buscando un terapeuta", "es", "starts with 'buscando'"),
    ("aprendiendo sobre la terapia", "es", "starts with 'aprendiendo'"),
])
def test_titles_that_sound_wrong_in_their_option_prompt_are_found(line, title, language, finding):
    assert any(finding in found for found in title_findings(title, line.language(language)))


def test_the_line_as_shipped_has_no_spoken_wording_warnings_and_every_menu_fits(line, words: Path) -> None:
    result = check(words)
    assert result.exit_code == 0, result.output
    menus = [row for row in result.output.splitlines() if row.startswith("menu ")]
    assert len(menus) == len(line.flow.menus) * len(line.languages)
    assert "warning:" not in result.output and "content check: 0 errors, 0 warnings" in result.output, result.output


def test_check_names_file_and_line_of_a_title_and_a_voice_part_that_sound_wrong(words: Path) -> None:
    topic = words / "content/en/topics/early-intervention.txt"
    edit(topic, "title: early intervention", "title: early intervention, for children from birth to 3")
    edit(topic, "O T may be available", "An O T may be available")
    result = check(words)
    assert result.exit_code == 0  # advice: the line still starts
    title_line, voice_line = line_of(topic, "title:"), line_of(topic, "An O T may")
    assert f"warning: content/en/topics/early-intervention.txt:{title_line}: a number right before" in result.output
    assert (f"warning: content/en/topics/early-intervention.txt:{voice_line}: "
            "OT means occupational therapy, the therapy: instead of 'An O T'") in result.output


def test_check_flags_to_in_spanish_voice_and_gerund_titles(words: Path) -> None:
    topic = words / "content/es/topics/school-iep.txt"
    edit(topic, "title: la terapia en la escuela", "title: hablando de la escuela")
    edit(topic, "La terapia ocupacional también se puede ofrecer", "La TO también se puede ofrecer")
    result = check(words)
    assert f"school-iep.txt:{line_of(topic, 'title:')}: the title starts with 'hablando'" in result.output
    assert (f"school-iep.txt:{line_of(topic, 'La TO también')}: "
            "OT means occupational therapy, the therapy: instead of 'TO'") in result.output


def test_a_menu_too_long_to_hold_is_a_warning_with_its_estimate(words: Path) -> None:
    edit(words / "content/en/topics/who-ots-are.txt", "title: who these therapists are",
         "title: who these therapists are, what they studied, and every kind of place where they may work")
    result = check(words)
    assert result.exit_code == 0
    find_menu = next(line for line in result.output.splitlines() if line.startswith("menu en/find-ot:"))
    assert "estimated" in find_menu and "at most 15 s" in find_menu
    assert "warning: menu en/find-ot is longer than a listener can hold" in result.output


def test_with_audio_built_a_menu_is_timed_from_its_files(line, words: Path) -> None:
    """Real-voice durations from the manifest replace the estimate (30 s a part makes it too long)."""
    english = line.language("en")
    said = heard(VoicePages(line, NoAudio()).choices(english, "main"))
    entries = {lookup_key(part.text, english): Entry(f"en-{index:020x}.wav", "gtts", "en", "x", part.text, 30.0, -19.0)
               for index, part in enumerate(said)}
    AudioFolder(words / "audio").write_manifest(entries)
    result = check(words)
    main_menu = next(line for line in result.output.splitlines() if line.startswith("menu en/main:"))
    assert "from its audio" in main_menu and f"{30.0 * len(said):.1f} s" in main_menu
    assert "warning: menu en/main" in result.output
    other = next(line for line in result.output.splitlines() if line.startswith("menu en/find-ot:"))
    assert "estimated" in other  # a menu without audio for every part is still estimated


def test_a_spoken_section_above_grade_6_is_a_warning(words: Path) -> None:
    edit(words / "content/en/topics/school-iep.txt", "O T may also be offered in schools.",
         "Occupational therapy interventions can be incorporated within individualized educational programming.")
    result = check(words)
    assert "content/en/topics/school-iep.txt [voice]: grade" in result.output
    assert "warning: reading level (grade" in result.output


def test_check_reads_the_speech_words_of_topics_and_prompts_too(words: Path) -> None:
    """Not only titles and [voice] parts: a topic's `speech:` and the prompts' `speech.*` lines are checked."""
    topic, prompts = words / "content/en/topics/about-ot.txt", words / "prompts/en.txt"
    edit(topic, "speech: learn about O T", "speech: learn about the O T")
    edit(prompts, "speech.person: person | operator", "speech.person: person | the O T")
    result = check(words)
    for path, text in ((topic, "speech: learn about the O T"), (prompts, "speech.person:")):
        where = f"{path.relative_to(words)}:{line_of(path, text)}"
        assert f"warning: {where}: OT means occupational therapy, the therapy: instead of 'the O T'" in result.output
