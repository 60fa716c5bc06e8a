"""A bad SLA file is refused with the file, the path of the field and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.sla import DEFAULT_TARGET, SlaError, load_sla
from schemas.stamps import US_PER_S

EXAMPLE = Path(__file__).resolve().parents[3] / "sla.example.yaml"


def test_the_shipped_example_loads_and_resolves_most_specific_first() -> None:
    sla = load_sla(EXAMPLE)
    billing_call = sla.thresholds("acme", "billing", "call")
    assert billing_call.sl_threshold_us == 30_000_000 and billing_call.sl_target == 0.85
    assert sla.thresholds("acme", "support", "call").sl_threshold_us == 20_000_000
    assert sla.thresholds("initech", "helpdesk", "call").sl_target == 0.90
    assert sla.thresholds("unknown", "q", "email").sl_threshold_us == 7_200_000_000
    defaults = {
        c: sla.thresholds("unknown", "q", c).sl_threshold_us // US_PER_S
        for c in ("messaging", "social", "form")
    }
    assert defaults == {"messaging": 900, "social": 3600, "form": 7200}  # kpis.md, "Channels"
    assert sla.thresholds("unknown", "q", "call").sl_target == DEFAULT_TARGET
    assert sla.formula("globex") == "abandons_in_sl_excluded"
    assert sla.client("acme").timezone == "Europe/Zurich"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("clients:\n  acme:\n    sl_target: 1.5\n",
         "clients.acme.sl_target: Input should be less than or equal to 1"),
        ("clients:\n  acme:\n    timezone: Mars/Olympus\n",
         "clients.acme.timezone: Value error, unknown time zone"),
        ("clients:\n  acme:\n    sl_treshold_s: 30\n",
         "clients.acme.sl_treshold_s: Extra inputs are not permitted"),
        ("clients:\n  acme:\n    queues:\n      billing:\n        channels:\n          fax: {}\n",
         "clients.acme.queues.billing.channels.fax.[key]: Input should be 'call', 'chat', 'email', "
         "'messaging', 'social' or 'form'"),
        ("clients:\n  acme:\n    business_hours:\n      monday: ['18:00-08:00']\n",
         "clients.acme.business_hours.monday: Value error, '18:00-08:00': the range must end after"),
        ("clients:\n  acme:\n    business_hours:\n      holidays: [christmas]\n",
         "clients.acme.business_hours.holidays.dates.0: Input should be a valid date"),
        ("defaults:\n  sl_threshold_s: -3\n", "defaults.sl_threshold_s: Input should be greater than 0"),
        ("clients: [1, 2]\n", "clients: Input should be a valid dictionary"),
        ("clients:\n  acme: {sl_formula: fancy}\n", "clients.acme.sl_formula: Input should be 'default'"),
        ("clients: {acme: [unclosed\n", "not valid YAML"),
    ],
)  # fmt: skip
def test_bad_sla_file_names_file_field_and_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "sla.yaml"
    path.write_text(text)
    with pytest.raises(SlaError) as caught:
        load_sla(path)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SlaError, match="cannot read"):
        load_sla(tmp_path / "nope.yaml")
