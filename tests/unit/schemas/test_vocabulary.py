"""The trade's words: every KPI a view shows has a name, a short form and a definition in every
language, and the trade's own terms are the ones used."""

from __future__ import annotations

import pytest

from schemas.kpi import KpiRow
from schemas.targets import TARGET_RULES
from schemas.vocabulary import LANGUAGES, VOCABULARY, term


def test_every_judged_kpi_and_every_ratio_has_words_in_every_language() -> None:
    ratios = {name for name in KpiRow.model_fields if not name.endswith(("_sum", "_responses"))}
    shown = set(TARGET_RULES) | {"offered", "answered", "abandoned", "handled", "self_served",
                                 "outbound_handled", "self_service_rate", "ces"}  # fmt: skip
    assert shown <= set(VOCABULARY)
    assert {"answer_rate", "service_level", "aht_s", "fcr_rate"} <= ratios & set(VOCABULARY)
    for kpi, words in VOCABULARY.items():
        assert set(words) == set(LANGUAGES), kpi
        for language, (name, short, definition) in words.items():
            assert name and short and definition.endswith("."), (kpi, language)


@pytest.mark.parametrize(
    ("kpi", "language", "short"),
    [("aht_s", "fr", "DMTT"), ("avg_talk_s", "fr", "DMC"), ("answer_rate", "de", "Erreichbarkeit"),
     ("fcr_rate", "de", "FCR"), ("service_level", "fr", "NS")],
)  # fmt: skip
def test_the_trade_says_it_its_way(kpi: str, language: str, short: str) -> None:
    assert term(kpi, language).short == short  # type: ignore[arg-type]
    assert term("answer_rate", "fr").name == "Taux de décroché"
    assert term("fcr_rate", "de").name == "Erstlösungsquote"


def test_every_channel_of_the_contract_has_a_name_in_every_language() -> None:
    from schemas.channels import CHANNELS
    from schemas.vocabulary import CHANNEL_NAMES, channel_name

    assert set(CHANNEL_NAMES) == set(CHANNELS)
    assert all(set(names) == set(LANGUAGES) and all(names.values()) for names in CHANNEL_NAMES.values())
    assert (channel_name("call", "fr"), channel_name("form", "de"), channel_name("fax", "de")) == (
        "appel", "Webformular", "fax")  # fmt: skip


def test_every_alert_rule_has_a_title_in_every_language() -> None:
    from schemas.vocabulary import rule_title
    from streams.engine.alert_rules import LANE_RULES, PIPELINE_RULES

    for language in LANGUAGES:
        titles = [rule_title(rule, language) for rule in (*LANE_RULES, *PIPELINE_RULES)]
        assert all(titles) and len(set(titles)) == len(titles), language
        assert not any("_" in title for title in titles), titles  # a name, not the rule's key
    assert (rule_title("service_level", "fr"), rule_title("no_agent_available", "de")) == (
        "Niveau de service", "Kein Agent verfügbar")  # fmt: skip
