"""Keep the gettext catalogs in step with the code (``python -m schemas.catalogs``, ``make catalogs``):
extract each surface's messages with Babel into ``schemas/locales/<domain>.pot``, then merge that
template into every language's ``.po`` (new messages arrive empty, for a translator; a test fails
until each is translated).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from schemas.translations import DOMAINS, LOCALES, SOURCE_LANGUAGE, catalog_path
from schemas.vocabulary import LANGUAGES

ROOT = LOCALES.parent.parent
# Where each surface's text is written: every string inside _() or N_() there is a message.
SOURCES: dict[str, tuple[str, ...]] = {
    "report": ("cckpi/report/*.py",),
    "wallboard": ("streams/web/*.py",),
    "alerts": ("streams/alerting/*.py",),
    "dashboards": ("dashboards/*.py",),
}
STAMP = datetime(2026, 12, 6, tzinfo=UTC)  # fixed: a run that changes no message changes no file
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def source_files(domain: str) -> list[Path]:
    return sorted({path for pattern in SOURCES[domain] for path in ROOT.glob(pattern)})


def extract(domain: str) -> Catalog:
    """The template of one surface: every marked message of its source files, with where it is."""
    template = Catalog(domain=domain, project="cckpi", copyright_holder="the cckpi authors", fuzzy=False,
                       creation_date=STAMP, revision_date=STAMP)  # fmt: skip
    for path in source_files(domain):
        for line, message, comments, context in extract_from_file(
            "python", str(path), keywords=KEYWORDS, comment_tags=("Translators:",)
        ):
            template.add(message, locations=[(str(path.relative_to(ROOT)), line)],
                         auto_comments=comments, context=context)  # fmt: skip
    return template


def update(domain: str) -> Catalog:
    """Write the template and merge it into each language's catalog (obsolete messages dropped);
    the template, for its count."""
    template = extract(domain)
    with (LOCALES / f"{domain}.pot").open("wb") as out:
        write_po(out, template, width=100, sort_output=True, include_lineno=False)
    for language in LANGUAGES:
        if language == SOURCE_LANGUAGE:
            continue
        path = catalog_path(domain, language)
        if path.exists():
            with path.open("rb") as source:
                catalog = read_po(source, locale=language, domain=domain)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(
                locale=language,
                domain=domain,
                project="cckpi",
                fuzzy=False,
                copyright_holder="the cckpi authors",
                creation_date=STAMP,
                revision_date=STAMP,
            )
        catalog.update(template, no_fuzzy_matching=True)
        with path.open("wb") as out:
            write_po(out, catalog, width=100, sort_output=True, ignore_obsolete=True, include_lineno=False)
    return template


def main(domains: list[str]) -> None:
    """Update the named surfaces' catalogs (all of them when none is named)."""
    for domain in domains or DOMAINS:
        print(f"{domain}: {len(update(domain))} messages")


if __name__ == "__main__":
    main(sys.argv[1:])
