"""Pure TwiML builders for the voice line: content model in, VoiceResponse out, no HTTP.

Every <Gather> has an explicit action and is followed by a <Redirect>, so silence never ends a call
by accident; every ending says goodbye before it hangs up.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable, Concatenate, Generic, Iterable, ParamSpec, TypeVar

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr.audio.catalog import AudioCatalog
from ivr.content.model import MAIN_MENU, Language, Line
from ivr.voice import urls
from ivr.voice.choosing import Choice, language_hints, offered_actions, speech_hints
from ivr.voice.utterances import (confirm_prompt, language_choice_prompt, language_switch_prompt, navigation_prompt,
                                  option_prompts, section_end_prompt, short_navigation_prompt)

PERSON_RING_SECONDS = 25
MAX_RENDERED_PAGES = 4096  # a line has a few hundred pages per language; the cap only bounds odd URLs
Args = ParamSpec("Args")
Spoken = tuple[Language, str]  # one part and the language whose voice says it
Catalog = TypeVar("Catalog", bound=AudioCatalog)  # the app's is a ManifestCatalog; tests pass NoAudio and fakes


class RenderedResponse(VoiceResponse):
    """A page whose XML was rendered before: str() returns it without building anything again."""

    def __init__(self, xml: str) -> None:
        super().__init__()
        self._xml = xml

    def to_xml(self, xml_declaration: bool = True) -> str:
        return self._xml


def _cache_key_part(value: object) -> object:
    return value.code if isinstance(value, Language) else value


def rendered_once(
        page: Callable[Concatenate["VoicePages", Args], VoiceResponse],
) -> Callable[Concatenate["VoicePages", Args], VoiceResponse]:
    """Keep each page's XML by its arguments and the audio catalog's generation.

    Pages are pure and the words never change while the line runs, but a staff audio build does:
    a page rendered before it would keep <Say>ing what now has audio, so the generation is in the key.
    Building and serialising TwiML was the largest cost of a request (bench/README.md).
    """
    @functools.wraps(page)
    def cached(self: "VoicePages", *args: Args.args, **kwargs: Args.kwargs) -> VoiceResponse:
        keywords = sorted((name, _cache_key_part(value)) for name, value in kwargs.items())
        key = (page.__name__, self.audio.generation(), *map(_cache_key_part, args), *keywords)
        xml = self._rendered.get(key)
        if xml is None:
            xml = page(self, *args, **kwargs).to_xml()
            if len(self._rendered) >= MAX_RENDERED_PAGES:
                self._rendered.clear()  # pages of an older audio generation, or odd URLs: start afresh
            self._rendered[key] = xml
        return RenderedResponse(xml)
    return cached


@dataclass(frozen=True)
class VoicePages(Generic[Catalog]):
    """Renders each page of the call for one line, audio catalog, staff number and texting set-up.

    A page is rendered once per audio generation and then served from memory, so a new staff
    number means a new VoicePages (as create_app builds one). Keys are offered only where they
    work: 0 with a staff number, "text me" when texting is set up.
    """

    line: Line
    audio: Catalog
    staff_number: str | None = None
    texting: bool = False
    revision: int | None = None  # the live revision these words are: every URL carries it (see urls.in_revision)
    _rendered: dict[tuple, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def _in_revision(self, url: str) -> str:
        return urls.in_revision(url, self.revision)

    # --- speaking -----------------------------------------------------------------------------
    def _speak(self, verb: VoiceResponse | Gather, language: Language, parts: Iterable[str]) -> None:
        self._speak_each(verb, [(language, text) for text in parts])

    def _speak_each(self, verb: VoiceResponse | Gather, spoken: Iterable[Spoken]) -> None:
        """<Play> the generated audio for each part, or <Say> it when there is none yet, in its language's voice."""
        for language, text in spoken:
            url = self.audio.url_for(text, language)
            if url:
                verb.play(url)
            else:
                verb.say(text, voice=language.voice, language=language.speech_language)

    def _gather(self, response: VoiceResponse, language: Language, action: str, timeout: int,
                options: tuple[str, ...]) -> Gather:
        return response.gather(
            action=action,
            method="POST",
            input="dtmf speech",
            num_digits=1,
            timeout=timeout,
            speech_timeout="auto",
            language=language.speech_language,
            hints=speech_hints(language, options),
        )

    def keys_help(self, language: Language) -> list[Spoken]:
        """Every key that works on this line, said once in the welcome and again on the help key.

        The language key is followed by each other language's own offer, in that language's voice,
        so a caller whose language was remembered wrongly hears the way out in their own language.
        """
        spoken = [(language, text) for text in language.prompt("keys.intro")]
        for action in offered_actions(self.line, self.staff_number, self.texting):
            spoken += [(language, text) for text in navigation_prompt(self.line, language, action)]
            if action == "language":
                spoken += [(other, text) for other in self.line.languages.values() if other.code != language.code
                           for text in language_switch_prompt(self.line, other)]
        return spoken + [(language, text) for text in language.prompt("nav.speech")]

    def _navigation(self, language: Language, topic_id: str, attempt: int) -> list[str]:
        """One short sentence: help in the main menu, back in other menus, repeat or back at a section's end;
        and a person on the last try."""
        if topic_id == MAIN_MENU:
            said = list(navigation_prompt(self.line, language, "help"))
        elif self.line.flow.is_menu(topic_id):
            said = list(navigation_prompt(self.line, language, "back"))  # silence repeats a menu anyway
        else:
            said = list(short_navigation_prompt(self.line, language))
        if attempt > 1:
            said += language.prompt("nav.speech")  # a fuller reprompt after a miss
        if 1 < attempt == self.line.flow.tries and self.staff_number:
            said += navigation_prompt(self.line, language, "person")  # the last chance: offer a person
        return said

    def _goodbye(self, response: VoiceResponse, language: Language, *prompts: str) -> VoiceResponse:
        return self._goodbye_in(response, (language,), *prompts)

    def _goodbye_in(self, response: VoiceResponse, languages: Iterable[Language], *prompts: str) -> VoiceResponse:
        """Say the prompts and goodbye in each language (all of them before one is chosen), then hang up."""
        for language in languages:
            self._speak(response, language, [part for name in (*prompts, "goodbye") for part in language.prompt(name)])
        response.hangup()
        return response

    # --- pages ----------------------------------------------------------------------------------
    @rendered_once
    def language_choice(self, attempt: int = 1, reason: str | None = None) -> VoiceResponse:
        """The first question of a call, asked in every language, each in its own voice.

        One Gather recognises one language: it uses the first language's, and its hints hold every
        language's names, so "español" or "Spanish" chooses Spanish whichever is heard.
        """
        response = VoiceResponse()
        languages = self.line.languages.values()
        if attempt > self.line.flow.tries:
            return self._goodbye_in(response, languages, "goodbye.no-choice")
        gather = response.gather(
            action=self._in_revision(urls.language_chosen(attempt)),
            method="POST",
            input="dtmf speech",
            num_digits=1,
            timeout=self.line.flow.menu_wait_seconds,
            speech_timeout="auto",
            language=self.line.default_language.speech_language,
            hints=language_hints(self.line),
        )
        for language in languages:
            if reason:
                self._speak(gather, language, language.prompt(f"reprompt.{reason}"))
            self._speak(gather, language, language_choice_prompt(language))
        response.redirect(self._in_revision(urls.language_choice(attempt + 1, "silence")), method="POST")
        return response

    @rendered_once
    def choices(self, language: Language, topic_id: str, attempt: int = 1, reason: str | None = None,
                welcome: bool = False, notice: tuple[str, ...] = (), with_keys: bool = False) -> VoiceResponse:
        """A menu (its options, then one navigation sentence), or the end of a section (text me, navigation).

        The welcome and the help key add every key first. A retry (attempt > 1) says why first and
        adds how to answer by voice: a fuller reprompt.
        """
        response = VoiceResponse()
        flow = self.line.flow
        if attempt > flow.tries:
            return self._goodbye(response, language, "goodbye.no-choice")
        topic = language.topics[topic_id]
        options = flow.menus.get(topic_id, ())
        action = self._in_revision(urls.chosen(language.code, topic_id, attempt))
        gather = self._gather(response, language, action, flow.menu_wait_seconds, options)
        said: list[str] = list(notice)
        if welcome:
            said += language.prompt("welcome")
        self._speak(gather, language, said)
        if welcome or with_keys:
            self._speak_each(gather, self.keys_help(language))
        said = list(language.prompt(f"reprompt.{reason}")) if reason else []
        if options:
            said += topic.voice_parts
            said += option_prompts(language, options)
        else:
            said += section_end_prompt(language, topic)
            if self.texting:
                said += navigation_prompt(self.line, language, "text")  # where there is something to send
        said += self._navigation(language, topic_id, attempt)
        self._speak(gather, language, said)
        response.redirect(self._in_revision(urls.choices(language.code, topic_id, attempt + 1, "silence")),
                          method="POST")
        return response

    @rendered_once
    def part(self, language: Language, topic_id: str, index: int, notice: tuple[str, ...] = (),
             with_keys: bool = False) -> VoiceResponse:
        """One part of a section. Keys work while it plays; after a short pause the next part follows."""
        response = VoiceResponse()
        topic = language.topics[topic_id]
        index = min(max(index, 0), len(topic.voice_parts) - 1)
        action = self._in_revision(urls.part_chosen(language.code, topic_id, index))
        gather = self._gather(response, language, action, self.line.flow.part_wait_seconds, ())
        self._speak(gather, language, notice)
        if with_keys:
            self._speak_each(gather, self.keys_help(language))
        self._speak(gather, language, (topic.voice_parts[index],))
        following = index + 1
        next_url = self._in_revision(urls.part(language.code, topic_id, following) if following < len(topic.voice_parts)
                                     else urls.choices(language.code, topic_id))
        response.redirect(next_url, method="POST")
        return response

    @rendered_once
    def topic(self, language: Language, topic_id: str) -> VoiceResponse:
        """Opening a topic: a menu shows its choices, a section starts playing."""
        if self.line.flow.is_menu(topic_id):
            return self.choices(language, topic_id)
        return self.part(language, topic_id, 0)

    @rendered_once
    def resume(self, language: Language, topic_id: str, index: int | None, notice: tuple[str, ...] = (),
               with_keys: bool = False) -> VoiceResponse:
        """Back to where the caller was (a section part, or a place with choices), after a notice or the keys."""
        if index is None or self.line.flow.is_menu(topic_id):
            return self.choices(language, topic_id, notice=notice, with_keys=with_keys)
        return self.part(language, topic_id, index, notice=notice, with_keys=with_keys)

    @rendered_once
    def confirm(self, language: Language, topic_id: str, attempt: int, unsure: Choice) -> VoiceResponse:
        """Ask back a spoken choice heard with low confidence; silence returns to this place's choices."""
        response = VoiceResponse()
        flow = self.line.flow
        action = self._in_revision(urls.chosen(language.code, topic_id, attempt, confirm=unsure.meaning))
        gather = self._gather(response, language, action, flow.menu_wait_seconds, flow.menus.get(topic_id, ()))
        self._speak(gather, language, confirm_prompt(language, unsure))
        response.redirect(self._in_revision(urls.choices(language.code, topic_id, attempt)), method="POST")
        return response

    @rendered_once
    def person(self, language: Language, topic_id: str, index: int | None) -> VoiceResponse:
        """Key 0: ring the staff number, or say how to reach a person when none is configured."""
        if not self.staff_number:
            return self.resume(language, topic_id, index, notice=language.prompt("person.none"))
        response = VoiceResponse()
        self._speak(response, language, language.prompt("person.connecting"))
        dial = response.dial(action=self._in_revision(urls.person_done(language.code, topic_id, index)), method="POST",
                             timeout=PERSON_RING_SECONDS)
        dial.number(self.staff_number)
        return response

    def person_done(self, language: Language, topic_id: str, index: int | None, dial_status: str) -> VoiceResponse:
        """After the staff call: goodbye if they talked, otherwise back to where the caller was."""
        if dial_status == "completed":
            return self._goodbye(VoiceResponse(), language)
        return self.resume(language, topic_id, index, notice=language.prompt("person.unanswered"))

    def apology(self, language: Language, repeated: bool) -> VoiceResponse:
        """A handler failed: say sorry and go to the main menu; if that fails too, end politely."""
        response = VoiceResponse()
        if repeated:
            return self._goodbye(response, language, "goodbye.no-choice")
        self._speak(response, language, language.prompt("error"))
        response.redirect(self._in_revision(urls.choices(language.code, MAIN_MENU, recovering=True)), method="POST")
        return response
