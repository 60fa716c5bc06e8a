"""The wallboard's words in its viewer's language, and which locale a viewer gets.

The page's text comes from the "wallboard" catalog, the KPI and channel names from the trade's
vocabulary; the browser formats the figures itself with the locale chosen here (``Intl``, the
same CLDR data Babel reads), in the client's time zone.
"""

from __future__ import annotations

from babel import Locale

from schemas.channels import CHANNELS
from schemas.translations import N_, gettext_for, language_of, negotiate
from schemas.vocabulary import LANGUAGES, Language, channel_name, term

LANGUAGE_COOKIE = "cckpi_language"  # the viewer's choice on the selector, remembered by the browser

_TEXT = {
    "client": N_("Client"),
    "queue": N_("Queue"),
    "language": N_("Language"),
    "all": N_("all"),
    "connecting": N_("connecting…"),
    "live": N_("live"),
    "reconnecting": N_("reconnecting…"),
    "event_time": N_("event time {moment}"),
    "alert": N_("ALERT"),
    "since": N_("since {time}"),
    "target": N_("target {share} in {threshold}"),
    "sl_15": N_("{sl} 15 min"),
    "sl_60": N_("{sl} 60 min"),
    "sl_today": N_("{sl} today"),
    "offered_today": N_("offered today"),
    "staffing": N_(
        "{staffed} agents on the queue / {needed} needed by its channels (this one {required}; "
        "Erlang C, last 15 min) · occupancy {occupancy}"
    ),  # fmt: skip
    "agent_states": N_("agents: {available} available, {busy} busy, {wrap} wrap-up, {away} away"),
    "alerting": N_("alert: {rules}"),
}
_TERMS = {  # shown with the trade's words (schemas.vocabulary): key -> (KPI, which form)
    "waiting": ("waiting", "name"),
    "longest": ("longest_wait_s", "name"),
    "sl": ("service_level", "short"),
    "abandoned": ("abandon_rate", "name"),
    "asa": ("asa_s", "short"),
    "aht": ("aht_s", "short"),
    "answer_rate": ("answer_rate", "name"),
    "self_service": ("self_service_rate", "name"),
}


def words(language: Language) -> dict[str, object]:
    """Every text of the page in ``language``: the catalog's, the vocabulary's, the channels'."""
    _ = gettext_for("wallboard", language)
    shown: dict[str, object] = {key: _(text) for key, text in _TEXT.items()}
    for key, (kpi, form) in _TERMS.items():
        shown[key] = getattr(term(kpi, language), form)
    shown["channels"] = {channel: channel_name(channel, language) for channel in CHANNELS}
    shown["languages"] = {spoken: Locale.parse(spoken).get_display_name(spoken) for spoken in LANGUAGES}
    return shown


def viewer_locale(chosen: str | None, accept_language: str | None, client_locale: str | None) -> str:
    """The locale a viewer reads the board in: the language picked on the selector, else the
    browser's (``Accept-Language``), else the client's; its region taken from the browser or the
    client where they speak that language (``de`` with a Swiss client: ``de_CH``)."""
    browser = negotiate(accept_language, fallback="")
    language = chosen if chosen in LANGUAGES else (language_of(browser) if browser else None)
    if language is None:
        return client_locale or "en"
    for candidate in (browser, client_locale):
        if candidate and language_of(candidate) == language and Locale.parse(candidate).territory:
            return candidate
    return language
