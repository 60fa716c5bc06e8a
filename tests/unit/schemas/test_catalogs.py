"""Every message a view shows is in every language's catalog, translated, with its placeholders;
the catalogs' templates are what the code marks today; no view formats a figure by hand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from schemas.catalogs import ROOT, extract
from schemas.translations import DOMAINS, LOCALES, SOURCE_LANGUAGE, catalog_path, gettext_for
from schemas.vocabulary import LANGUAGES

TRANSLATED = [language for language in LANGUAGES if language != SOURCE_LANGUAGE]
PLACEHOLDER = re.compile(r"\{(\w*)\}")


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_templates_hold_what_the_code_marks(domain: str) -> None:
    with (LOCALES / f"{domain}.pot").open("rb") as source:
        committed = {m.id for m in read_po(source) if m.id}
    assert committed == {m.id for m in extract(domain) if m.id}, "run make catalogs"


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_is_translated_in_every_language(domain: str, language: str) -> None:
    with catalog_path(domain, language).open("rb") as source:
        catalog = read_po(source, locale=language)
    _ = gettext_for(domain, language)
    for message in extract(domain):
        if not message.id:
            continue
        found = catalog.get(message.id)
        assert found is not None and found.string, f"{domain}/{language}: no translation of {message.id!r}"
        assert not found.fuzzy, f"{domain}/{language}: {message.id!r} is fuzzy (check, then clear the flag)"
        named = sorted(PLACEHOLDER.findall(str(message.id)))
        assert sorted(PLACEHOLDER.findall(str(found.string))) == named, (
            f"{domain}/{language}: the placeholders of {message.id!r} differ in {found.string!r}"
        )
        assert _(str(message.id)) == found.string  # what runs is what the translator wrote


# Figures written by hand instead of through schemas.locale_formats (Python) or Intl (the page):
# a fixed decimal or a percent in a format spec, grouping by a comma, or JavaScript's rounding.
BY_HAND = re.compile(
    r"\{[^{}\n]*:[,_]?\.\d+[f%]\}|\{[^{}\n]*:,[^{}\n]*\}|format\([^()\n]*,\s*\"[,.]\.?\d*f\"\)"
    r"|Math\.round\(|\.toFixed\(|\* 100\)? \+ \"%\""
)
VIEWS = ("cckpi/report*.py", "streams/web/*.py", "streams/web/*.html", "streams/alerting/*.py",
         "dashboards/*.py")  # fmt: skip


def test_no_view_writes_a_figure_by_hand() -> None:
    found = []
    for path in sorted({p for pattern in VIEWS for p in ROOT.glob(pattern)}):
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
            if BY_HAND.search(line) and "log." not in line:
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "format figures with schemas.locale_formats (or Intl on the page):\n" + "\n".join(found)


def test_the_check_would_see_one() -> None:
    for line in ('f"{value:.0%}"', 'f"{v:,.0f}"', 'Math.round(v * 100) + "%"', 'format(e, ".2f")'):
        assert BY_HAND.search(line), line
