"""An alert's text is written in its reader's language and locale (the client's, the operator's
for the pipeline), in the trade's words; the fields machines read stay the same in every language."""

from __future__ import annotations

import orjson
import pytest

from schemas.sla import SlaFile, SlaSettings, Webhook
from streams.alerting.webhooks import Outbox, message
from streams.engine.alert_rules import Alert

NBSP, NNBSP = "\u00a0", "\u202f"
LOW_SL = Alert("a1", "service_level", ("acme", "sales", "call"), 0.7234, 0.8, 1_000_000)
LONG_WAIT = Alert("a2", "longest_wait", ("acme", "sales", "email"), 300.0, 120.0, 1, 2)
LAG = Alert("a3", "consumer_lag", ("", "", ""), 12345.0, 10000.0, 1)


@pytest.mark.parametrize(
    ("locale", "alert", "text"),
    [
        ("en", LOW_SL, ":red_circle: cckpi firing: acme/sales/call: Service level over 15 min 72%, below the "
                       "target 80%"),
        ("fr_FR", LOW_SL, f":red_circle: cckpi, alerte déclenchée : acme/sales/appel : Niveau de service sur "
                          f"15 min : 72{NBSP}%, sous l'objectif de 80{NBSP}%"),
        ("de_CH", LOW_SL, ":red_circle: cckpi, Alarm ausgelöst: acme/sales/Anruf: Servicelevel über 15 Min.: "
                          "72%, unter dem Ziel von 80%"),
        ("de_CH", LONG_WAIT, ":large_green_circle: cckpi, Alarm behoben: acme/sales/E-Mail: "
                             "Längste Wartezeit: 5 Min., über dem Grenzwert von 2 Min."),
        ("fr_FR", LAG, f":red_circle: cckpi, alerte déclenchée : chaîne de traitement : Retard de "
                       f"consommation : 12{NNBSP}345 messages, au-dessus de 10{NNBSP}000"),
        ("de_CH", LAG, ":red_circle: cckpi, Alarm ausgelöst: Verarbeitungskette: Verarbeitungsrückstand: "
                       "12'345 Nachrichten, über 10'000"),
    ],
)  # fmt: skip
def test_the_text_reads_in_the_readers_language_and_formats(locale: str, alert: Alert, text: str) -> None:
    assert message(alert, locale)["text"] == text


@pytest.mark.parametrize("locale", ["en", "fr_CH", "de_DE"])
def test_the_fields_machines_read_do_not_change_with_the_language(locale: str) -> None:
    words = {"text", "title", "language"}
    assert {k: v for k, v in message(LOW_SL, locale).items() if k not in words} == {
        k: v for k, v in message(LOW_SL).items() if k not in words
    }
    assert message(LOW_SL, locale)["state"] == "firing" and message(LONG_WAIT, locale)["state"] == "resolved"


def test_each_delivery_speaks_its_clients_language_and_the_pipelines_the_operators() -> None:
    sla = SlaSettings(SlaFile.model_validate({
        "clients": {"acme": {"language": "fr", "locale": "fr_CH"}},
        "alerting": {"locale": "de_CH", "webhooks": [{"url": "http://hooks.example/a"}]},
    }))  # fmt: skip
    outbox = Outbox([Webhook(url="http://hooks.example/a")], locale_of=sla.locale_of)
    outbox.add([LOW_SL, LAG])
    bodies = [orjson.loads(d.body()) for d in outbox._queues[next(iter(outbox._queues))]]
    assert [b["language"] for b in bodies] == ["fr", "de"]
    assert "Niveau de service" in bodies[0]["text"] and "Verarbeitungsrückstand" in bodies[1]["text"]
