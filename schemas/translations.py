"""The users' language for every text a view shows: gettext catalogs, one per surface (the
report, the wallboard, the alerts, the dashboards), in ``schemas/locales/<language>/LC_MESSAGES``.

The English text is the message id, so English needs no catalog. A catalog is read from its
``.po`` file and compiled to gettext's ``.mo`` form in memory on first use (Babel's own reader
and compiler): the file a translator edits is the one that runs. A new language is a folder of
catalogs and a vocabulary entry (README, "Adding a language").
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import cast

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from schemas.vocabulary import LANGUAGES, Language

LOCALES = Path(__file__).resolve().parent / "locales"
DOMAINS = ("report", "wallboard", "alerts", "dashboards")
SOURCE_LANGUAGE: Language = "en"


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark now, translate when shown"
    """Mark a message for the catalogs where it is defined; it is translated where it is shown."""
    return message


def catalog_path(domain: str, language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{domain}.po"


@cache
def translations(domain: str, language: str) -> gettext.NullTranslations:
    """The compiled catalog of ``domain`` in ``language`` (English: the ids themselves).

    A language without its catalog raises: every language the SLA file accepts has all of them
    (a test checks), so a missing one is a broken installation, not a reason to show English."""
    if domain not in DOMAINS:
        raise KeyError(f"no text domain {domain!r} (known: {', '.join(DOMAINS)})")
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    with catalog_path(domain, language).open("rb") as source:
        catalog = read_po(source, locale=language, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries left out, as msgfmt does
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def gettext_for(domain: str, language: str) -> Callable[[str], str]:
    """``_`` for one surface in one language."""
    return translations(domain, language).gettext


def language_of(locale: str) -> Language:
    """The catalog language of a CLDR locale (fr_CH -> fr); English for one we have no words in."""
    spoken = Locale.parse(locale.replace("-", "_")).language
    return cast(Language, spoken) if spoken in LANGUAGES else SOURCE_LANGUAGE


def negotiate(accept_language: str | None, fallback: str = SOURCE_LANGUAGE) -> str:
    """The locale to show a browser (``Accept-Language: de-CH,de;q=0.9,en;q=0.8`` -> ``de_CH``):
    its most preferred tag in a language we speak, kept with its region for the formats;
    ``fallback`` when it names none."""
    ranked: list[tuple[float, int, str]] = []
    for order, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and tag != "*" and weight > 0:
            ranked.append((-weight, order, tag))
    for _, _, tag in sorted(ranked):
        try:
            locale = Locale.parse(tag.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            continue
        if locale.language in LANGUAGES:
            return str(locale)
    return fallback
