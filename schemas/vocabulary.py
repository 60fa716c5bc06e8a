# ruff: noqa: E501  (a table of words: one line per language reads best)
"""The trade's words for each KPI, per language: one table every view reads (the report, the
dashboards, the alerts, the wallboard), beside the contract's definitions (kpis.md) and the
target rule (:mod:`schemas.targets`).

Not word-for-word translation: a French centre says "taux de décroché" and "DMTT", a German one
"Erreichbarkeit" and "Erstlösungsquote". A new language is an entry per KPI here and a gettext
catalog for the rest of the text (README, "Languages").
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Language = Literal["en", "fr", "de"]
LANGUAGES: tuple[Language, ...] = ("en", "fr", "de")


class Term(NamedTuple):
    name: str  # as a title or a column header
    short: str  # as a card or a narrow column shows it
    definition: str  # one line, as a tooltip or a report's glossary says it


# fmt: off
VOCABULARY: dict[str, dict[Language, Term]] = {
    "offered": {
        "en": Term("Offered", "offered", "Contacts that reached the queue (centre-started ones aside)."),
        "fr": Term("Contacts présentés", "présentés", "Contacts arrivés dans la file (hors contacts sortants)."),
        "de": Term("Angebotene Kontakte", "angeboten", "Kontakte, die die Warteschlange erreicht haben (ohne ausgehende)."),
    },
    "answered": {
        "en": Term("Answered", "answered", "Contacts an agent took."),
        "fr": Term("Contacts décrochés", "décrochés", "Contacts pris en charge par un conseiller."),
        "de": Term("Angenommene Kontakte", "angenommen", "Kontakte, die ein Agent angenommen hat."),
    },
    "abandoned": {
        "en": Term("Abandoned", "abandoned", "Contacts the customer left, or that were closed, before an answer."),
        "fr": Term("Contacts abandonnés", "abandons", "Contacts quittés par le client, ou clos, avant toute réponse."),
        "de": Term("Abgebrochene Kontakte", "abgebrochen", "Kontakte, die der Kunde vor der Annahme verlassen hat oder die geschlossen wurden."),
    },
    "handled": {
        "en": Term("Handled", "handled", "Answered contacts whose work is finished."),
        "fr": Term("Contacts traités", "traités", "Contacts décrochés dont le traitement est terminé."),
        "de": Term("Bearbeitete Kontakte", "bearbeitet", "Angenommene Kontakte, deren Bearbeitung abgeschlossen ist."),
    },
    "self_served": {
        "en": Term("Self-served", "self-served", "Contacts a bot or self-service flow closed without an agent."),
        "fr": Term("Contacts en selfcare", "selfcare", "Contacts clos par un bot ou un parcours selfcare, sans conseiller."),
        "de": Term("Im Self-Service gelöst", "Self-Service", "Kontakte, die ein Bot oder Self-Service ohne Agent abgeschlossen hat."),
    },
    "outbound_handled": {
        "en": Term("Outbound handled", "outbound", "Contacts the centre started, with their work finished."),
        "fr": Term("Contacts sortants traités", "sortants", "Contacts à l'initiative du centre, traités."),
        "de": Term("Bearbeitete ausgehende Kontakte", "ausgehend", "Vom Center begonnene Kontakte, deren Bearbeitung abgeschlossen ist."),
    },
    "service_level": {
        "en": Term("Service level", "SL", "Share of contacts answered within the threshold."),
        "fr": Term("Niveau de service", "NS", "Part des contacts décrochés dans le délai cible."),
        "de": Term("Servicelevel", "SL", "Anteil der Kontakte, die innerhalb der Zielzeit angenommen wurden."),
    },
    "answer_rate": {
        "en": Term("Answer rate", "answered", "Share of the contacts asked of agents that an agent answered."),
        "fr": Term("Taux de décroché", "décroché", "Part des contacts présentés aux conseillers qui ont été décrochés."),
        "de": Term("Erreichbarkeit", "Erreichbarkeit", "Anteil der an Agenten gerichteten Kontakte, die angenommen wurden."),
    },
    "abandon_rate": {
        "en": Term("Abandon rate", "abandoned", "Share of the contacts asked of agents that the customer abandoned (short abandons aside)."),
        "fr": Term("Taux d'abandon", "abandon", "Part des contacts présentés abandonnés par le client (hors abandons courts)."),
        "de": Term("Abbruchquote", "Abbruch", "Anteil der an Agenten gerichteten Kontakte, die der Kunde abgebrochen hat (ohne Kurzabbrüche)."),
    },
    "asa_s": {
        "en": Term("Average speed of answer", "ASA", "Average wait of the answered contacts."),
        "fr": Term("Délai moyen de décroché", "DMD", "Attente moyenne des contacts décrochés."),
        "de": Term("Durchschnittliche Wartezeit bis zur Annahme", "ASA", "Mittlere Wartezeit der angenommenen Kontakte."),
    },
    "aht_s": {
        "en": Term("Average handling time", "AHT", "Talk, hold and after-contact work per handled contact."),
        "fr": Term("Durée moyenne totale de traitement", "DMTT", "Communication, mise en attente et post-appel par contact traité."),
        "de": Term("Durchschnittliche Bearbeitungszeit", "AHT", "Gesprächs-, Halte- und Nachbearbeitungszeit pro bearbeitetem Kontakt."),
    },
    "avg_talk_s": {
        "en": Term("Average talk time", "talk", "Talk (or typing) time per handled contact."),
        "fr": Term("Durée moyenne de communication", "DMC", "Temps de communication (ou de rédaction) par contact traité."),
        "de": Term("Durchschnittliche Gesprächszeit", "Gespräch", "Gesprächs- (oder Schreib-)zeit pro bearbeitetem Kontakt."),
    },
    "fcr_rate": {
        "en": Term("First-contact resolution", "FCR", "Share of handled contacts resolved with no repeat contact within the window."),
        "fr": Term("Résolution au premier contact", "FCR", "Part des contacts traités résolus sans recontact du client dans la période."),
        "de": Term("Erstlösungsquote", "FCR", "Anteil der bearbeiteten Kontakte, die ohne erneuten Kontakt im Zeitfenster gelöst wurden."),
    },
    "first_response_s": {
        "en": Term("Average first response time", "first response", "Time to the first written reply (in business hours, where set)."),
        "fr": Term("Délai moyen de première réponse", "1re réponse", "Délai jusqu'à la première réponse écrite (en heures ouvrées, si définies)."),
        "de": Term("Durchschnittliche Zeit bis zur ersten Antwort", "erste Antwort", "Zeit bis zur ersten schriftlichen Antwort (in Geschäftszeiten, wo festgelegt)."),
    },
    "first_response_attainment": {
        "en": Term("First responses within target", "in target", "Share of first replies sent within the target."),
        "fr": Term("Premières réponses dans le délai", "dans le délai", "Part des premières réponses envoyées dans le délai cible."),
        "de": Term("Erste Antworten in der Zielzeit", "in Zielzeit", "Anteil der ersten Antworten innerhalb der Zielzeit."),
    },
    "csat": {
        "en": Term("Customer satisfaction", "CSAT", "Share of survey answers rating 4 or 5 out of 5."),
        "fr": Term("Satisfaction client", "CSAT", "Part des réponses aux enquêtes notées 4 ou 5 sur 5."),
        "de": Term("Kundenzufriedenheit", "CSAT", "Anteil der Umfrageantworten mit 4 oder 5 von 5."),
    },
    "nps": {
        "en": Term("Net Promoter Score", "NPS", "Promoters (9-10) less detractors (0-6), in points."),
        "fr": Term("Net Promoter Score", "NPS", "Promoteurs (9-10) moins détracteurs (0-6), en points."),
        "de": Term("Net Promoter Score", "NPS", "Promotoren (9-10) minus Kritiker (0-6), in Punkten."),
    },
    "transfer_rate": {
        "en": Term("Transfer rate", "transferred", "Share of answered contacts moved to another queue."),
        "fr": Term("Taux de transfert", "transferts", "Part des contacts décrochés transférés vers une autre file."),
        "de": Term("Weiterleitungsquote", "weitergeleitet", "Anteil der angenommenen Kontakte, die in eine andere Warteschlange weitergeleitet wurden."),
    },
    "ces": {
        "en": Term("Customer effort score", "CES", "Average effort rating, 1 (very hard) to 7 (very easy)."),
        "fr": Term("Effort client", "CES", "Note moyenne d'effort, de 1 (très difficile) à 7 (très facile)."),
        "de": Term("Kundenaufwand", "CES", "Mittlere Aufwandsbewertung, 1 (sehr schwer) bis 7 (sehr leicht)."),
    },
    "survey_response_rate": {
        "en": Term("Survey response rate", "surveyed", "Share of handled contacts with a survey answer."),
        "fr": Term("Taux de réponse aux enquêtes", "réponses", "Part des contacts traités ayant une réponse à l'enquête."),
        "de": Term("Rücklaufquote der Umfragen", "Rücklauf", "Anteil der bearbeiteten Kontakte mit einer Umfrageantwort."),
    },
    "cost_per_contact": {
        "en": Term("Cost per contact", "cost", "Handling time at the hourly cost, per handled contact."),
        "fr": Term("Coût par contact", "coût", "Temps de traitement au coût horaire, par contact traité."),
        "de": Term("Kosten pro Kontakt", "Kosten", "Bearbeitungszeit zum Stundensatz, pro bearbeitetem Kontakt."),
    },
    "self_service_rate": {
        "en": Term("Self-service rate", "self-service", "Share of offered contacts met by a bot or self-service flow."),
        "fr": Term("Taux de selfcare", "selfcare", "Part des contacts présentés résolus par un bot ou un parcours selfcare."),
        "de": Term("Self-Service-Quote", "Self-Service", "Anteil der angebotenen Kontakte, die ein Bot oder Self-Service gelöst hat."),
    },
    "avg_resolution_s": {
        "en": Term("Average resolution time", "resolution", "Elapsed time from arrival to end, over resolved contacts."),
        "fr": Term("Délai moyen de résolution", "résolution", "Temps écoulé de l'arrivée à la clôture, sur les contacts résolus."),
        "de": Term("Durchschnittliche Lösungszeit", "Lösung", "Verstrichene Zeit vom Eingang bis zum Abschluss, über gelöste Kontakte."),
    },
    "short_abandoned": {
        "en": Term("Short abandons", "short abandons", "Contacts abandoned before the short-abandon threshold, left out of the abandon rate."),
        "fr": Term("Abandons courts", "abandons courts", "Contacts abandonnés avant le seuil d'abandon court, exclus du taux d'abandon."),
        "de": Term("Kurzabbrüche", "Kurzabbrüche", "Kontakte, die vor der Kurzabbruch-Schwelle abgebrochen wurden, nicht in der Abbruchquote."),
    },
    "resolved": {
        "en": Term("Resolved", "resolved", "Contacts closed with their resolution time known."),
        "fr": Term("Contacts résolus", "résolus", "Contacts clos dont le délai de résolution est connu."),
        "de": Term("Gelöste Kontakte", "gelöst", "Abgeschlossene Kontakte mit bekannter Lösungszeit."),
    },
    "waiting": {
        "en": Term("Waiting now", "waiting", "Contacts in the queue at this moment, not yet answered."),
        "fr": Term("En attente", "en attente", "Contacts dans la file en ce moment, pas encore décrochés."),
        "de": Term("Wartend", "wartend", "Kontakte, die gerade in der Warteschlange auf Annahme warten."),
    },
    "longest_wait_s": {
        "en": Term("Longest wait", "longest wait", "The wait of the contact waiting longest now."),
        "fr": Term("Attente la plus longue", "attente max", "L'attente du contact qui patiente depuis le plus longtemps."),
        "de": Term("Längste Wartezeit", "längste Wartezeit", "Die Wartezeit des Kontakts, der jetzt am längsten wartet."),
    },
    "occupancy": {
        "en": Term("Occupancy", "occupancy", "Share of agents' logged-in time spent busy or in wrap-up."),
        "fr": Term("Taux d'occupation", "occupation", "Part du temps de présence des conseillers passée en communication ou en post-appel."),
        "de": Term("Auslastung", "Auslastung", "Anteil der angemeldeten Zeit der Agenten in Gespräch oder Nachbearbeitung."),
    },
    "agents_required": {
        "en": Term("Agents required", "required", "Agents Erlang C needs for the offered contacts to meet the service level."),
        "fr": Term("Conseillers requis", "requis", "Conseillers nécessaires selon Erlang C pour tenir le niveau de service."),
        "de": Term("Benötigte Agenten", "benötigt", "Agenten, die Erlang C für den Servicelevel bei den angebotenen Kontakten braucht."),
    },
    "hours_short": {
        "en": Term("Hours short", "hours short", "Hours whose staffed agents were fewer than Erlang C required."),
        "fr": Term("Heures en sous-effectif", "heures en sous-effectif", "Heures où les conseillers présents étaient moins nombreux que requis par Erlang C."),
        "de": Term("Unterbesetzte Stunden", "unterbesetzt", "Stunden, in denen weniger Agenten anwesend waren, als Erlang C verlangte."),
    },
    "agent_hours_short": {
        "en": Term("Agent-hours short", "agent-hours short", "Agent-hours missing against the Erlang C requirement."),
        "fr": Term("Heures-conseiller manquantes", "heures manquantes", "Heures-conseiller manquantes par rapport au besoin Erlang C."),
        "de": Term("Fehlende Agentenstunden", "fehlende Stunden", "Fehlende Agentenstunden gegenüber dem Bedarf nach Erlang C."),
    },
}
# fmt: on

# The contract's channels (events.md) as each language names them in a title or a column.
# fmt: off
CHANNEL_NAMES: dict[str, dict[Language, str]] = {
    "call": {"en": "call", "fr": "appel", "de": "Anruf"},
    "chat": {"en": "chat", "fr": "chat", "de": "Chat"},
    "email": {"en": "email", "fr": "e-mail", "de": "E-Mail"},
    "messaging": {"en": "messaging", "fr": "messagerie", "de": "Messaging"},
    "social": {"en": "social", "fr": "réseaux sociaux", "de": "Social Media"},
    "form": {"en": "web form", "fr": "formulaire web", "de": "Webformular"},
}
# fmt: on


# The alert rules of kpis.md ("Alerts") that are not a KPI's own name, as each language says them.
# fmt: off
RULE_TITLES: dict[str, dict[Language, str]] = {
    "no_agent_available": {"en": "No agent available", "fr": "Aucun conseiller disponible", "de": "Kein Agent verfügbar"},
    "consumer_lag": {"en": "Consumer lag", "fr": "Retard de consommation", "de": "Verarbeitungsrückstand"},
    "dead_letters": {"en": "Dead letters", "fr": "Messages rejetés", "de": "Abgewiesene Nachrichten"},
}
# fmt: on
_RULE_KPIS = {
    "service_level": "service_level",
    "abandon_rate": "abandon_rate",
    "longest_wait": "longest_wait_s",
}


def rule_title(rule: str, language: Language) -> str:
    """An alert rule as a reader names it: its KPI's name, or its own title; an unknown rule as written."""
    if rule in _RULE_KPIS:
        return term(_RULE_KPIS[rule], language).name
    return RULE_TITLES.get(rule, {}).get(language, rule)


def channel_name(channel: str, language: Language) -> str:
    """A channel as ``language`` names it; a channel the contract does not define, as written."""
    return CHANNEL_NAMES.get(channel, {}).get(language, channel)


def term(kpi: str, language: Language) -> Term:
    """The KPI's words in ``language``; KeyError names a KPI the table lacks."""
    return VOCABULARY[kpi][language]
