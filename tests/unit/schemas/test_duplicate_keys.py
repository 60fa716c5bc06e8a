"""A key given twice in a configuration file is refused with both lines, never the second
silently replacing the first (PyYAML's own behaviour)."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.sla import SlaError, load_sla

ACME_TWICE = """\
clients:
  acme:
    sl_target: 0.9
    queues:
      billing: {channels: {call: {sl_threshold_s: 20}}}
  globex:
    sl_target: 0.8
  acme:
    sl_target: 0.7
"""


@pytest.mark.parametrize(
    ("text", "said"),
    [(ACME_TWICE, "duplicate key 'acme' on lines 2 and 8"),
     ("defaults:\n  sl_target: 0.8\n  abandon_rate_max: 0.1\n  sl_target: 0.9\n",
      "duplicate key 'sl_target' on lines 2 and 4"),
     ("clients: {acme: {sl_target: 0.8}, acme: {sl_target: 0.9}}\n",
      "duplicate key 'acme' on lines 1 and 1")],
)  # fmt: skip
def test_a_key_given_twice_is_refused_naming_both_lines(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "sla.yaml"
    path.write_text(text)
    with pytest.raises(SlaError, match=f"{path}: .*{said}"):
        load_sla(path)


def test_a_merged_key_may_be_overridden(tmp_path: Path) -> None:
    path = tmp_path / "sla.yaml"
    path.write_text(
        "clients:\n  acme: &acme {sl_target: 0.8}\n  globex:\n    <<: *acme\n    sl_target: 0.9\n"
    )
    sla = load_sla(path)
    assert (
        sla.thresholds("acme", "q", "call").sl_target,
        sla.thresholds("globex", "q", "call").sl_target,
    ) == (
        0.8,
        0.9,
    )
