"""Which language and formats a wallboard viewer gets, and that the page has every word in each."""

from __future__ import annotations

import pytest

from schemas.vocabulary import LANGUAGES
from streams.web.wallboard_text import viewer_locale, words


@pytest.mark.parametrize(
    ("chosen", "accept", "client", "locale"),
    [
        (None, "de-CH,de;q=0.9,en;q=0.8", None, "de_CH"),  # the browser's, with its region
        (None, "de", "de_CH", "de_CH"),  # its language, the client's region
        (None, "fr-FR,fr;q=0.9", "de_CH", "fr_FR"),  # the viewer's language over the client's
        ("fr", "de-CH", "fr_CH", "fr_CH"),  # the selector over the browser; the client's region
        ("fr", "de-CH", None, "fr"),
        ("de", "de-AT", "de_CH", "de_AT"),
        (None, "it-IT,es;q=0.5", "fr_CH", "fr_CH"),  # a browser in no language we speak: the client's
        (None, None, None, "en"),
        ("xx", "en-US", None, "en_US"),  # an unknown choice is ignored
        (None, "en;q=0, fr;q=0.1", None, "fr"),  # q=0 means "not this"
    ],
)
def test_the_viewer_reads_the_board_in_the_language_it_asked(
    chosen: str | None, accept: str | None, client: str | None, locale: str
) -> None:
    assert viewer_locale(chosen, accept, client) == locale


def test_every_language_has_every_word_and_names_itself() -> None:
    english = words("en")
    for language in LANGUAGES:
        shown = words(language)
        assert set(shown) == set(english) and all(shown.values()), language
        assert shown["languages"] == {"en": "English", "fr": "français", "de": "Deutsch"}
    assert (words("fr")["sl"], words("fr")["waiting"], words("de")["channels"]["call"]) == (  # type: ignore[index]
        "NS", "En attente", "Anruf")  # fmt: skip
    assert str(words("de")["staffing"]).startswith("{staffed} Agenten in der Warteschlange")
