"""Every message a view shows is in every language's catalog, translated, with its placeholders;
the catalogs' templates are what the code marks today; no view formats a figure by hand."""

from __future__ import annotations

import ast
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


# Figures written by hand instead of through schemas.locale_formats (Python) or Intl (the page).
# In Python: a format spec in an f-string or in a str.format template, format(x, spec),
# %-formatting, or a "%" glued to a figure. The report's figures are schemas.locale_formats' alone.
FORMAT_SPEC = re.compile(r"\{[\w.\[\]]*(![rsa])?:[<>=^+\- #0,_]*\d*(\.\d+)?[bcdeEfFgGnosxX%]?\}")


def _by_hand(source: str) -> list[int]:
    found = []
    for node in ast.walk(ast.parse(source)):
        spec = isinstance(node, ast.FormattedValue) and node.format_spec is not None
        call = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "format"
        modulo = (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mod)
            and isinstance(node.left, ast.Constant)
        )
        glued = isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and any(
            isinstance(side, ast.Constant) and isinstance(side.value, str) and "%" in side.value
            for side in (node.left, node.right))  # fmt: skip
        template = (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and FORMAT_SPEC.search(node.value)
        )
        if spec or call or modulo or glued or template:
            found.append(node.lineno)
    return found


# On the page: JavaScript's rounding or fixed decimals, or a "%" glued to a figure.
IN_SCRIPT = re.compile(r"Math\.round\(|\.toFixed\(|\+ \"%\"|toLocaleString\(")
VIEWS = ("cckpi/report/*.py", "streams/web/*.py", "streams/alerting/*.py", "dashboards/*.py")
PAGES = ("streams/web/*.html",)


def _found(patterns: tuple[str, ...]) -> list[Path]:
    return sorted({path for pattern in patterns for path in ROOT.glob(pattern)})


def test_no_view_writes_a_figure_by_hand() -> None:
    found = {str(p.relative_to(ROOT)): at for p in _found(VIEWS) if (at := _by_hand(p.read_text("utf-8")))}
    for page in _found(PAGES):
        lines = page.read_text("utf-8").splitlines()
        if lines := [n for n, line in enumerate(lines, 1) if IN_SCRIPT.search(line)]:
            found[str(page.relative_to(ROOT))] = lines
    assert len(_found(VIEWS)) > 20 and _found(PAGES)  # the check sees the views
    assert found == {}, "format figures with schemas.locale_formats (or Intl on the page)"


@pytest.mark.parametrize(
    "line",
    ['f"{value:.0%}"', 'f"{v:,.0f}"', 'format(e, ".2f")', '"%.1f" % x', 'str(x) + "%"', '"{:.1f}".format(x)'],
)
def test_the_check_would_see_one(line: str) -> None:
    assert _by_hand(line)


def test_the_page_check_would_see_one() -> None:
    assert IN_SCRIPT.search('Math.round(v * 100) + "%"') and IN_SCRIPT.search("v.toFixed(1)")
