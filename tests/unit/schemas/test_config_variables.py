"""A configuration file's string values may come from the environment (``${NAME}``), so that a
webhook URL, a secret, stays out of the file; an unset variable names itself and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.config_file import UnsetVariable, expand_variables
from schemas.sla import SlaError, load_sla

SLA = "alerting:\n  webhooks:\n    - url: ${CCKPI_TEST_HOOK}/services/${CCKPI_TEST_PATH}\n      name: ops\n"


def test_a_webhook_url_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sla.yaml"
    path.write_text(SLA)
    monkeypatch.setenv("CCKPI_TEST_HOOK", "https://hooks.example.com")
    monkeypatch.setenv("CCKPI_TEST_PATH", "T0/B0/secret")
    (webhook,) = load_sla(path).config.alerting.webhooks
    assert str(webhook.url) == "https://hooks.example.com/services/T0/B0/secret"


@pytest.mark.parametrize("value", [None, ""])
def test_an_unset_variable_names_itself_and_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    path = tmp_path / "sla.yaml"
    path.write_text(SLA)
    monkeypatch.setenv("CCKPI_TEST_HOOK", "https://hooks.example.com")
    if value is None:
        monkeypatch.delenv("CCKPI_TEST_PATH", raising=False)
    else:
        monkeypatch.setenv("CCKPI_TEST_PATH", value)
    with pytest.raises(SlaError) as raised:
        load_sla(path)
    assert str(raised.value) == (
        f"{path}: alerting.webhooks.0.url: ${{CCKPI_TEST_PATH}} is unset or empty in the environment"
    )


def test_only_string_values_are_expanded_and_keys_stay() -> None:
    document = {"${A}": ["x ${A} y", 3, {"b": "$A and $${A"}], "n": None}
    assert expand_variables(document, {"A": "1"}) == {"${A}": ["x 1 y", 3, {"b": "$A and $${A"}], "n": None}
    with pytest.raises(UnsetVariable, match=r"^top.0: \$\{B\}"):
        expand_variables({"top": ["${B}"]}, {})
