"""Every dashboard in every language: the same panels and SQL, the reader's words, no English left
on a French or German dashboard, and uids and titles Grafana's one file provider can load together."""

from __future__ import annotations

import re
from collections.abc import Iterator
from string import Formatter
from typing import Any, get_args, get_type_hints

import pytest
import yaml
from babel.messages.pofile import read_po

from dashboards.generate import (
    GRAFANA_VERSION,
    OUT,
    SERIES_LABELS,
    dashboard,
    output_columns,
    path_of,
    uid_in,
)
from dashboards.panels import DASHBOARDS, NO_TARGET, RESOLUTION_LABELS, SL_LABELS
from dashboards.words import DEFINITION, HEADERS, NAMED, PERIOD_WORDS, VALUES, kpis_of, say
from schemas.channels import CHANNELS
from schemas.translations import catalog_path
from schemas.vocabulary import LANGUAGES, VOCABULARY, Language, Term
from schemas.wire import AgentState
from streams.engine.alert_rules import LANE_RULES, PIPELINE_RULES

TRANSLATED: list[Language] = [language for language in LANGUAGES if language != "en"]
BOARDS = [(uid, language) for uid in DASHBOARDS for language in LANGUAGES]
# The same in English and in the language: the trade's acronyms and loanwords, nothing else.
SAME_WORDS: dict[str, set[str]] = {
    "fr": {"Client", "Chat", "Chats", "Net Promoter Score"},
    "de": {"Agent", "Chat", "Chats", "Messaging", "Net Promoter Score"},
}
# English words that have no business on a French or German dashboard (less the language's own).
ENGLISH = {"the", "and", "by", "per", "of", "with", "vs", "or", "today", "now", "queue", "agents", "rate",
           "time", "waiting", "handled", "answered", "offered", "target", "level", "state", "calls",
           "none", "yes", "no", "at", "in"}  # fmt: skip
OWN_WORDS: dict[str, set[str]] = {"fr": set(), "de": {"in"}}


def words_of(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.replace("${__field.labels.queue}", "").lower()))


def texts(board: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every text Grafana shows a reader, by where it is: titles, descriptions (a line each),
    headers, value words, variable labels and options."""
    yield "title", board["title"]
    for variable in board["templating"]["list"]:
        if "label" in variable:
            yield f"{variable['name']}.label", variable["label"]
        for option in variable.get("options", []):
            yield f"{variable['name']}.{option['value']}", option["text"]
    for panel in board["panels"]:
        where = f"panel {panel['id']}"
        yield f"{where} title", panel["title"]
        for number, line in enumerate(panel["description"].splitlines()):
            if line:
                yield f"{where} description {number}", line
        for override in panel["fieldConfig"]["overrides"]:
            column = override["matcher"]["options"]
            for prop in override["properties"]:
                if prop["id"] == "displayName":
                    yield f"{where} {column}", prop["value"]
                if prop["id"] == "mappings":
                    for value, shown in prop["value"][0]["options"].items():
                        yield f"{where} {column}={value}", shown["text"]


@pytest.mark.parametrize(("uid", "language"), BOARDS)
def test_every_dashboard_renders_in_each_language(uid: str, language: Language) -> None:
    english, board = dashboard(uid), dashboard(uid, language)
    assert board["uid"] == uid_in(uid, language) and len(board["uid"]) <= 40
    assert [p["targets"] for p in board["panels"]] == [p["targets"] for p in english["panels"]]  # same SQL
    assert [(p["gridPos"], p["type"]) for p in board["panels"]] == [
        (p["gridPos"], p["type"]) for p in english["panels"]
    ]
    assert all(p["pluginVersion"] == GRAFANA_VERSION for p in board["panels"])

    def values(model: dict[str, Any]) -> list[tuple[Any, ...]]:  # what the SQL reads stays the SQL's
        return [(v["name"], v.get("datasource"), [o["value"] for o in v.get("options", [])],
                 v.get("current", {}).get("value")) for v in model["templating"]["list"]]  # fmt: skip

    assert values(board) == values(english)
    shown = dict(texts(board))
    assert all(text.strip() and "{" not in text.replace("${__field.labels", "") for text in shown.values())


@pytest.mark.parametrize(("uid", "language"), [(u, lang) for u, lang in BOARDS if lang != "en"])
def test_nothing_is_left_in_english(uid: str, language: Language) -> None:
    english = dict(texts(dashboard(uid)))
    translated = dict(texts(dashboard(uid, language)))
    assert translated.keys() == english.keys()
    same = {where: text for where, text in translated.items()
            if text == english[where] and text not in SAME_WORDS[language]}  # fmt: skip
    assert not same, f"{uid} in {language}: still in English: {same}"
    english = ENGLISH - OWN_WORDS[language]
    words = {where: text for where, text in translated.items() if english & words_of(text)}
    assert not words, f"{uid} in {language}: English words: {words}"


def test_the_check_would_see_english() -> None:
    board = dashboard("cckpi-wallboard", "fr")
    board["panels"][0]["title"] = dashboard("cckpi-wallboard")["panels"][0]["title"]
    english = dict(texts(dashboard("cckpi-wallboard")))
    assert any(text == english[where] for where, text in texts(board))
    assert ENGLISH & words_of("Conseillers by state")


def test_one_provider_loads_every_language_without_clashes() -> None:
    """The compose stack's file provider reads its folder tree into one Grafana folder: every
    file is under its path, and no two dashboards share a uid or a title (Grafana compares titles
    within a folder by their slug)."""
    (provider,) = yaml.safe_load((OUT / "cckpi.yaml").read_text())["providers"]
    assert provider["options"]["path"] == "/etc/grafana/provisioning/dashboards"
    assert not provider.get("foldersFromFilesStructure")  # one folder, "cckpi", for them all
    boards = [dashboard(uid, language) for uid, language in BOARDS]
    assert len({b["uid"] for b in boards}) == len(boards)
    slugs = [re.sub(r"[^a-z0-9äöüéèàç]+", "-", b["title"].lower()).strip("-") for b in boards]
    assert len(set(slugs)) == len(boards), slugs
    for uid, language in BOARDS:
        assert path_of(uid, language).is_relative_to(OUT)
        assert dashboard(uid, language)["tags"] == (["cckpi"] if language == "en" else ["cckpi", language])


def test_english_keeps_its_uids_and_files() -> None:
    for uid in DASHBOARDS:
        assert uid_in(uid, "en") == uid and path_of(uid, "en") == OUT / f"{uid}.json"


def test_every_column_and_every_value_word_has_its_words() -> None:
    for _, panels in DASHBOARDS.values():
        for panel in panels:
            missing = [c for c in output_columns(panel.sql) if c not in HEADERS]
            if panel.kind == "timeseries":
                missing = [c for c in missing if c not in SERIES_LABELS]
            assert not missing, f"{panel.title}: no header for {missing} (dashboards.words.HEADERS)"
    assert set(VALUES["status"]) == set(SL_LABELS)
    assert set(VALUES["resolution"]) == {*RESOLUTION_LABELS, NO_TARGET} - {""}
    assert set(NAMED["channel"]) == set(CHANNELS)
    states = set(get_args(get_type_hints(AgentState)["state"]))
    assert states | {"firing", "resolved"} == set(VALUES["state"])
    assert set(NAMED["rule"]) == {*LANE_RULES, *PIPELINE_RULES}
    assert set(PERIOD_WORDS) == {"day", "week", "month"}


def messages() -> list[str]:
    panels = [p for _, ps in DASHBOARDS.values() for p in ps]
    return [
        *(title for title, _ in DASHBOARDS.values()),
        *(p.text for p in panels),
        *(p.description for p in panels if p.description),
        *HEADERS.values(),
        *(m for words in VALUES.values() for m in words.values()),
        *PERIOD_WORDS.values(),
    ]


def test_kpi_placeholders_name_the_vocabulary() -> None:
    for message in messages():
        for _, name, _, _ in Formatter().parse(message):
            if name:
                kpi, _, attribute = name.partition(".")
                assert kpi in VOCABULARY and attribute in Term._fields, f"{message!r}: {{{name}}}"
    assert kpis_of("{aht_s.short}, {fcr_rate.name} and {aht_s.name}") == ["aht_s", "fcr_rate"]
    assert say("{service_level.name} by queue (15 min, 60 min, today)", "fr").startswith("Niveau de service")
    assert say("{service_level.name}, today", "de") == "Servicelevel, heute"


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalogs_keep_every_placeholder(language: Language) -> None:
    """A translation keeps its message's {kpi.name} fields (the shared catalog test reads only
    plain {name} ones), and every message renders."""
    with catalog_path("dashboards", language).open("rb") as source:
        catalog = read_po(source, locale=language)

    def fields(text: str) -> list[str]:
        return sorted(name for _, name, _, _ in Formatter().parse(text) if name)

    for message in catalog:
        if message.id:
            assert fields(str(message.string)) == fields(str(message.id)), message.id
    for message in messages():
        assert say(message, language)
    assert "{name}" in str(catalog.get(DEFINITION).string)


def test_output_columns_reads_the_outer_select() -> None:
    sql = "SELECT a, f(b, c) AS d, (SELECT 1 FROM t) AS e, g\nFROM (SELECT x AS a FROM y) AS z"
    assert output_columns(sql) == ["a", "d", "e", "g"]


def test_durations_and_percentages_carry_a_language_neutral_unit() -> None:
    """Grafana's 's' and 'h' units scale to English words ("2.5 hour"): durations are hh:mm:ss."""
    for uid, language in BOARDS:
        for panel in dashboard(uid, language)["panels"]:
            units = {panel["fieldConfig"]["defaults"]["unit"]} | {
                p["value"]
                for o in panel["fieldConfig"]["overrides"]
                for p in o["properties"]
                if p["id"] == "unit"
            }
            assert units <= {"", "percentunit", "dthms"}, (uid, panel["title"], units)
