"""SLA settings and targets (kpis.md "Settings and defaults"), per client, queue and channel.

The most specific setting wins: client+queue+channel, client+queue, client+channel, client,
then the file's defaults (by channel, then overall), then the contract's defaults.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)

from schemas.channels import CHANNELS as CHANNELS
from schemas.channels import DEFAULT_FIRST_RESPONSE_S as DEFAULT_FIRST_RESPONSE_S
from schemas.channels import DEFAULT_THRESHOLD_S as DEFAULT_THRESHOLD_S
from schemas.channels import Channel
from schemas.config_file import ConfigError, read_config
from schemas.stamps import US_PER_S
from schemas.targets import AMBER_BAND as AMBER_BAND  # the rule every view judges targets by
from schemas.targets import meets as meets
from schemas.targets import status as status
from schemas.vocabulary import LANGUAGES, Language

DEFAULT_TARGET = 0.80
SHORT_ABANDON_S = 5.0
DEFAULT_ALERT_MIN_OFFERED = 5
DEFAULT_CHAT_CONCURRENCY = 3  # kpis.md: staffing divides chat traffic by it
FCR_WINDOW_S = 7 * 86_400
PERSONAL_DATA_MIN_DAYS = 30  # the FCR window and the live state's longest retention (14 days), with room
SlFormula = Literal[
    "default", "abandons_in_sl_met", "answered_only", "abandons_missed", "abandons_in_sl_excluded"
]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class Targets(BaseModel):
    """Thresholds and targets that may be set at any level; unset fields inherit."""

    model_config = ConfigDict(extra="forbid")

    sl_threshold_s: float | None = Field(default=None, gt=0, description="service-level threshold T")
    sl_target: float | None = Field(default=None, ge=0, le=1, description="share answered within T")
    short_abandon_s: float | None = Field(default=None, ge=0)
    abandon_rate_max: float | None = Field(default=None, ge=0, le=1, description="abandon-rate ceiling")
    aht_target_s: float | None = Field(default=None, gt=0)
    fcr_target: float | None = Field(default=None, ge=0, le=1)
    csat_target: float | None = Field(default=None, ge=0, le=1)
    first_response_target_s: float | None = Field(
        default=None, gt=0, description="email: in business time; chat: elapsed"
    )
    hourly_cost: float | None = Field(
        default=None, ge=0, description="loaded cost of one agent hour, for cost per contact"
    )
    resolution_target_s: float | None = Field(
        default=None, gt=0, description="average resolution time (arrival to resolved end) to stay under"
    )
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR")
    chat_concurrency: int | None = Field(
        default=None, ge=1, le=20, description="chats an agent handles at once"
    )
    alerts: bool | None = Field(default=None, description="false: no lane alerts here")
    alert_min_offered: int | None = Field(default=None, ge=1, description="volume before an SL alert")
    alert_longest_wait_s: float | None = Field(default=None, gt=0, description="default: 2 x sl_threshold_s")


class QueueSettings(Targets):
    channels: dict[Channel, Targets] = Field(default_factory=dict)


def _calendar() -> Any:
    """The ``holidays`` package's calendar maker, imported where a calendar is used: its import
    costs every command a tenth of a second, and most SLA files name no calendar."""
    from holidays import country_holidays

    return country_holidays


class HolidayCalendar(BaseModel):
    """Public holidays from the ``holidays`` package by country (ISO 3166-1) and subdivision
    (e.g. a Swiss canton), with days ``add``-ed (a company day off) and ``remove``-d (a holiday
    the centre works). The dates of a year are resolved once and stored (``holiday_dates``), so a
    later release of the package never moves a recomputed month."""

    model_config = ConfigDict(extra="forbid")

    country: str = Field(pattern=r"^[A-Z]{2}$")
    subdivision: str | None = Field(default=None, min_length=1, max_length=8)
    add: list[date] = Field(default_factory=list)
    remove: list[date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known(self) -> HolidayCalendar:
        try:
            _calendar()(self.country, subdiv=self.subdivision)
        except NotImplementedError as error:  # the package's word for an unknown country or part
            raise ValueError(str(error)) from None
        return self

    def dates(self, year: int) -> frozenset[date]:
        """The closed dates of a year by this calendar, as the installed package resolves them."""
        public = _calendar()(self.country, subdiv=self.subdivision, years=[year])
        added = {day for day in self.add if day.year == year}
        return frozenset((set(public) | added) - set(self.remove))


# Closed dates: a list (``holidays.dates``), or a calendar (``holidays.calendar``): a bad value is
# reported against the form it has, not against both.
Holidays = Annotated[
    Annotated[list[date], Tag("dates")] | Annotated[HolidayCalendar, Tag("calendar")],
    Discriminator(lambda value: "dates" if isinstance(value, list) else "calendar"),
]


class BusinessHours(BaseModel):
    """Opening hours per weekday ("08:00-18:00", several allowed) and closed dates: listed, or
    a country's public holidays (:class:`HolidayCalendar`)."""

    model_config = ConfigDict(extra="forbid")

    monday: list[str] = Field(default_factory=list)
    tuesday: list[str] = Field(default_factory=list)
    wednesday: list[str] = Field(default_factory=list)
    thursday: list[str] = Field(default_factory=list)
    friday: list[str] = Field(default_factory=list)
    saturday: list[str] = Field(default_factory=list)
    sunday: list[str] = Field(default_factory=list)
    holidays: Holidays = Field(default_factory=list)
    _years: dict[int, frozenset[date]] = PrivateAttr(default_factory=dict)  # resolved, or pinned

    @field_validator(*WEEKDAYS)
    @classmethod
    def _ranges(cls, ranges: list[str]) -> list[str]:
        for text in ranges:
            match = _RANGE.match(text)
            if not match:
                raise ValueError(f"{text!r} is not an opening range like '08:00-18:00'")
            start = int(match.group(1)) * 60 + int(match.group(2))
            end = int(match.group(3)) * 60 + int(match.group(4))
            if not start < end <= 24 * 60:
                raise ValueError(f"{text!r}: the range must end after it starts, by 24:00")
        return ranges

    def is_open(self, local: datetime) -> bool:
        """Whether the centre is open at a moment given in the client's local time."""
        if self.closed_on(local.date()):
            return False
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.minutes(local.weekday()))

    def closed_on(self, day: date) -> bool:
        return day in self.holidays_of(day.year)

    def holidays_of(self, year: int) -> frozenset[date]:
        """A year's closed dates: those listed, or the calendar's (as pinned, where stored)."""
        found = self._years.get(year)
        if found is None:
            listed = self.holidays
            found = (frozenset(d for d in listed if d.year == year) if isinstance(listed, list)
                     else listed.dates(year))  # fmt: skip
            self._years[year] = found
        return found

    def pin(self, year: int, dates: Iterable[date]) -> None:
        """Hold a year's closed dates as they were first resolved and stored, whatever the
        installed package says now."""
        self._years[year] = frozenset(dates)

    def minutes(self, weekday: int) -> list[tuple[int, int]]:
        """Open (start, end) minutes of the day for a weekday (0 = Monday)."""
        out = []
        for text in getattr(self, WEEKDAYS[weekday]):
            a, b = text.split("-")
            out.append((int(a[:2]) * 60 + int(a[3:]), int(b[:2]) * 60 + int(b[3:])))
        return sorted(out)


class ClientSettings(QueueSettings):
    timezone: str = "UTC"
    sl_formula: SlFormula = "default"
    business_hours: BusinessHours | None = None  # None: always open
    queues: dict[str, QueueSettings] = Field(default_factory=dict)
    # After this many days a customer's comments and extra fields are dropped and their id is
    # pseudonymised (events.md, "Personal data"); None: kept. Past the FCR window and the live
    # state's retention, so no number and no live contact can change.
    personal_data_days: int | None = Field(default=None, ge=PERSONAL_DATA_MIN_DAYS, le=36_500)
    # What the client reads its report, dashboard, alerts and wallboard in, and the regional
    # format of its numbers and dates (fr_CH: 1'234,5 and 06.12.26; fr_FR: 1 234,5 and 06/12/2026).
    language: Language = "en"
    locale: str | None = None  # a CLDR locale of that language; None: the language's own

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, name: str | None) -> str | None:
        return None if name is None else cldr_locale(name)

    @model_validator(mode="after")
    def _locale_speaks_the_language(self) -> ClientSettings:
        if self.locale is not None and Locale.parse(self.locale).language != self.language:
            raise ValueError(f"locale {self.locale} is not in the language {self.language!r}: set both alike")
        return self

    @property
    def formats(self) -> str:
        """The CLDR locale its numbers and dates are written in."""
        return self.locale or self.language

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {name!r} (use an IANA name like Europe/Zurich)") from error
        return name


def cldr_locale(name: str) -> str:
    """A locale as CLDR names it (fr-CH -> fr_CH); ValueError, in words, for one it does not know."""
    try:
        return str(Locale.parse(name.replace("-", "_")))
    except (ValueError, UnknownLocaleError) as error:
        hint = "use a language and region, e.g. fr_CH or de_DE"
        raise ValueError(f"unknown locale {name!r} ({hint})") from error


class Webhook(BaseModel):
    """Where alerts are posted as JSON (with a Slack-compatible ``text`` field)."""

    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl
    name: str | None = None  # shown in logs instead of the URL, which may hold a secret

    @property
    def label(self) -> str:
        return self.name or f"{self.url.scheme}://{self.url.host}"


class Alerting(BaseModel):
    """Pipeline-health limits and the webhooks every alert goes to."""

    model_config = ConfigDict(extra="forbid")

    webhooks: list[Webhook] = Field(default_factory=list)
    max_lag: int = Field(default=10_000, ge=0, description="consumer lag (messages) before an alert")
    max_dead_letters_15m: int = Field(default=10, ge=0, description="dead letters per 15 minutes")
    # The pipeline's own alerts (lag, dead letters) are the operator's: written in this locale
    # (a client's alerts are in the client's, ClientSettings.locale).
    locale: str = "en"

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, name: str) -> str:
        locale = cldr_locale(name)
        if Locale.parse(locale).language not in LANGUAGES:
            raise ValueError(f"no catalog speaks {name!r}: use one of {', '.join(LANGUAGES)}")
        return locale


class SlaFile(BaseModel):
    """The whole SLA file: defaults, then per-client overrides, then alert delivery."""

    model_config = ConfigDict(extra="forbid")

    defaults: QueueSettings = Field(default_factory=QueueSettings)
    clients: dict[str, ClientSettings] = Field(default_factory=dict)
    alerting: Alerting = Field(default_factory=Alerting)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Everything resolved for one (client, queue, channel); durations in microseconds."""

    sl_threshold_us: int
    short_abandon_us: int
    sl_target: float
    abandon_rate_max: float | None
    aht_target_s: float | None
    fcr_target: float | None
    csat_target: float | None
    first_response_target_us: int | None
    timezone: str
    business_hours: BusinessHours | None  # first responses on the asynchronous channels count in them
    hourly_cost: float | None = None  # None: cost per contact is not computed
    currency: str = ""
    chat_concurrency: int = DEFAULT_CHAT_CONCURRENCY
    alerts_enabled: bool = True
    alert_min_offered: int = DEFAULT_ALERT_MIN_OFFERED
    alert_longest_wait_us: int = 0  # set from the threshold when resolved
    resolution_target_s: float | None = None


TARGET_FIELDS: tuple[str, ...] = tuple(Targets.model_fields)


class SlaError(ConfigError):
    """A bad SLA file: names the file, the field path and the problem."""


class SlaSettings:
    """Looks up the thresholds and targets in force for a (client, queue, channel)."""

    def __init__(self, config: SlaFile | None = None) -> None:
        self.config = config or SlaFile()
        self._cache: dict[tuple[str, str, str], Thresholds] = {}
        self._unlisted = ClientSettings()  # built once: validating one costs microseconds per row

    def _chain(self, client: str, queue: str, channel: str) -> list[Targets]:
        name = cast(Channel, channel)
        levels: list[Targets | None] = []
        found = self.config.clients.get(client)
        if found is not None:
            queue_cfg = found.queues.get(queue)
            if queue_cfg is not None:
                levels += [queue_cfg.channels.get(name), queue_cfg]
            levels += [found.channels.get(name), found]
        defaults = self.config.defaults
        levels += [defaults.channels.get(name), defaults]
        return [level for level in levels if level is not None]

    def calendars(self) -> list[tuple[str, BusinessHours]]:
        """The clients whose closed dates come from a holiday calendar, with their opening hours."""
        return [(name, found.business_hours) for name, found in sorted(self.config.clients.items())
                if found.business_hours is not None
                and isinstance(found.business_hours.holidays, HolidayCalendar)]  # fmt: skip

    def client(self, client: str) -> ClientSettings:
        return self.config.clients.get(client) or self._unlisted

    def locale_of(self, client: str | None) -> str:
        """The locale a client's text is written in; the operator's for the pipeline's own."""
        return self.client(client).formats if client else self.config.alerting.locale

    def is_open(self, client: str, moment: datetime) -> bool:
        """Whether a client's centre is open at an aware moment (always, without opening hours)."""
        settings = self.client(client)
        hours = settings.business_hours
        return hours is None or hours.is_open(moment.astimezone(ZoneInfo(settings.timezone)))

    def hourly_cost(self, client: str, queue: str, channel: str) -> float | None:
        """The loaded cost of one agent hour for a (client, queue, channel), if the file sets one."""
        return self.thresholds(client, queue, channel).hourly_cost

    def formula(self, client: str) -> str:
        """The service-level formula variant in a client's contract."""
        return self.client(client).sl_formula

    def thresholds(self, client: str, queue: str, channel: str) -> Thresholds:
        """Return what is in force; cached, since the engine asks per contact."""
        key = (client, queue, channel)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        chain = self._chain(client, queue, channel)

        def first(field: str) -> object:
            return next((v for v in (getattr(level, field) for level in chain) if v is not None), None)

        def pick(field: str) -> float | None:
            value = first(field)
            return None if value is None else float(cast(float, value))

        def us(seconds: float | None) -> int | None:
            return None if seconds is None else round(seconds * US_PER_S)

        settings = self.client(client)
        threshold = pick("sl_threshold_s") or DEFAULT_THRESHOLD_S[channel]
        short = pick("short_abandon_s")
        target = pick("sl_target")
        first_response = pick("first_response_target_s") or DEFAULT_FIRST_RESPONSE_S[channel]
        resolved = Thresholds(
            sl_threshold_us=round(threshold * US_PER_S),
            short_abandon_us=round((SHORT_ABANDON_S if short is None else short) * US_PER_S),
            sl_target=DEFAULT_TARGET if target is None else target,
            abandon_rate_max=pick("abandon_rate_max"),
            aht_target_s=pick("aht_target_s"),
            fcr_target=pick("fcr_target"),
            csat_target=pick("csat_target"),
            first_response_target_us=us(first_response),
            timezone=settings.timezone,
            business_hours=settings.business_hours,
            hourly_cost=pick("hourly_cost"),
            currency=cast(str, first("currency") or ""),
            chat_concurrency=int(pick("chat_concurrency") or DEFAULT_CHAT_CONCURRENCY),
            alerts_enabled=first("alerts") is not False,
            alert_min_offered=int(pick("alert_min_offered") or DEFAULT_ALERT_MIN_OFFERED),
            alert_longest_wait_us=round((pick("alert_longest_wait_s") or 2 * threshold) * US_PER_S),
            resolution_target_s=pick("resolution_target_s"),
        )
        self._cache[key] = resolved
        return resolved


def load_sla(path: str | Path | None) -> SlaSettings:
    """Load and validate an SLA file; with no path, the contract's defaults hold."""
    if path is None:
        return SlaSettings()
    return SlaSettings(read_config(path, SlaFile, SlaError))
