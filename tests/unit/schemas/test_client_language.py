"""A client's language and regional format in the SLA file: checked where the file is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.config_file import ConfigError
from schemas.sla import load_sla


def _sla(tmp_path: Path, lines: str) -> Path:
    path = tmp_path / "sla.yaml"
    path.write_text("clients:\n  acme:\n" + lines, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("lines", "formats"),
    [("    timezone: UTC\n", "en"), ("    language: fr\n", "fr"),
     ("    language: fr\n    locale: fr_CH\n", "fr_CH"), ("    language: de\n    locale: de-CH\n", "de_CH")],
)  # fmt: skip
def test_a_language_and_its_regional_format(tmp_path: Path, lines: str, formats: str) -> None:
    assert load_sla(_sla(tmp_path, lines)).client("acme").formats == formats


@pytest.mark.parametrize(
    ("lines", "said"),
    [("    language: it\n", "language"), ("    language: fr\n    locale: xx_QQ\n", "unknown locale 'xx_QQ'"),
     ("    language: de\n    locale: fr_CH\n", "not in the language 'de'")],
)  # fmt: skip
def test_a_wrong_language_names_the_field(tmp_path: Path, lines: str, said: str) -> None:
    with pytest.raises(ConfigError, match=said) as caught:
        load_sla(_sla(tmp_path, lines))
    assert "acme" in str(caught.value)
