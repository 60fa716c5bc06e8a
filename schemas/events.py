"""The event wire contract (events.md, version 1) as pydantic models.

Validation happens here, where data enters; everything downstream trusts these types.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from schemas.channels import Channel
from schemas.stamps import parse_rfc3339

Direction = Literal["inbound", "outbound"]
AgentStateName = Literal["available", "busy", "wrap", "away", "offline"]
NonEmpty = Annotated[str, Field(min_length=1, max_length=256)]

# RFC 3339 date-time: 'T' separator and an explicit offset ('Z' or +hh:mm) are mandatory.
RFC3339_PATTERN = r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
RFC3339 = re.compile(RFC3339_PATTERN)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def epoch_us(moment: datetime) -> int:
    """Return whole microseconds since the Unix epoch, exact (no float rounding)."""
    return (moment - _EPOCH) // _MICROSECOND


class _Envelope(BaseModel):
    """Fields every event carries."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)

    event_id: NonEmpty
    schema_version: Literal[1]
    occurred_at: datetime
    client: NonEmpty
    queue: NonEmpty

    @field_validator("schema_version", mode="before")
    @classmethod
    def _version(cls, value: object) -> object:
        if isinstance(value, bool | float):  # JSON true, or 1.0, is not the integer 1
            raise ValueError("must be the integer 1")
        return value

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _rfc3339(cls, value: object) -> datetime:
        if not isinstance(value, str) or not RFC3339.match(value):
            raise ValueError("must be an RFC 3339 timestamp with offset, e.g. 2026-11-23T09:15:02Z")
        return parse_rfc3339(value)

    @property
    def occurred_us(self) -> int:
        """Event time in epoch microseconds: the clock every KPI uses."""
        return epoch_us(self.occurred_at)


class _ContactEnvelope(_Envelope):
    channel: Channel
    contact_id: NonEmpty
    customer_id: NonEmpty | None = None
    agent_id: NonEmpty | None = None


class ContactArrived(_ContactEnvelope):
    type: Literal["contact.arrived"]
    customer_id: NonEmpty
    direction: Direction | None = None  # absent: inbound, the customer started it


class ContactAnswered(_ContactEnvelope):
    type: Literal["contact.answered"]
    agent_id: NonEmpty


class ContactAbandoned(_ContactEnvelope):
    type: Literal["contact.abandoned"]


class ContactSelfServed(_ContactEnvelope):
    """A bot or self-service flow closed the contact without any agent."""

    type: Literal["contact.self_served"]
    bot_id: NonEmpty | None = None


class ContactReplied(_ContactEnvelope):
    type: Literal["contact.replied"]
    agent_id: NonEmpty


class ContactTransferred(_ContactEnvelope):
    type: Literal["contact.transferred"]
    to_queue: NonEmpty


# A duration the columns can hold: they sum microseconds in 64 bits, and a producer's unit error
# (or a fuzzer) must be a dead letter with its reason, not an overflow that stops the writer.
MAX_SECONDS = 1e9  # about 31 years
Seconds = Annotated[float, Field(ge=0, le=MAX_SECONDS)]


class ContactEnded(_ContactEnvelope):
    type: Literal["contact.ended"]
    agent_id: NonEmpty
    talk_s: Seconds
    hold_s: Seconds
    wrap_s: Seconds
    resolved: StrictBool
    reason: Annotated[str, Field(min_length=1, max_length=64)] | None = None

    @field_validator("talk_s", "hold_s", "wrap_s", mode="before")
    @classmethod
    def _number(cls, value: object) -> float:
        # JSON integers are fine for seconds; booleans and non-finite numbers are not.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a number of seconds")
        if isinstance(value, int) and abs(value) > MAX_SECONDS:  # past a float's range too: no OverflowError
            return MAX_SECONDS * 2.0 if value > 0 else -1.0  # refused by the bounds, as any such number
        if not math.isfinite(value):
            raise ValueError("must be finite")
        return float(value)


def integral(value: object) -> object:
    """A JSON number with an integral value as that integer (``4.0`` is 4; events.md): platforms
    that store scores as decimals write them so. Anything else is left for the type to refuse."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class SurveyAnswered(_ContactEnvelope):
    type: Literal["survey.answered"]
    csat: Annotated[StrictInt, Field(ge=1, le=5)] | None = None
    nps: Annotated[StrictInt, Field(ge=0, le=10)] | None = None
    ces: Annotated[StrictInt, Field(ge=1, le=7)] | None = None
    comment: Annotated[str, Field(max_length=2000)] | None = None  # the customer's words: personal data

    _scores = field_validator("csat", "nps", "ces", mode="before")(integral)

    @model_validator(mode="after")
    def _one_score(self) -> SurveyAnswered:
        if self.csat is None and self.nps is None and self.ces is None:
            raise ValueError("a survey needs a csat, nps or ces score")
        return self


class AgentState(_Envelope):
    type: Literal["agent.state"]
    agent_id: NonEmpty
    state: AgentStateName
    channel: Channel | None = None


ContactEvent = (
    ContactArrived
    | ContactAnswered
    | ContactAbandoned
    | ContactSelfServed
    | ContactReplied
    | ContactTransferred
    | ContactEnded
    | SurveyAnswered
)
Event = Annotated[ContactEvent | AgentState, Field(discriminator="type")]
EVENT_TYPES: tuple[str, ...] = (
    "contact.arrived",
    "contact.answered",
    "contact.abandoned",
    "contact.self_served",
    "contact.replied",
    "contact.transferred",
    "contact.ended",
    "survey.answered",
    "agent.state",
)

_ADAPTER: TypeAdapter[ContactEvent | AgentState] = TypeAdapter(Event)


class Rejection(BaseModel):
    """Why a message is not a valid event; it travels to the dead-letter topic with it."""

    model_config = ConfigDict(frozen=True)

    reason: str


def _describe(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    kind = first["type"]
    if kind == "json_invalid":
        return (
            f"invalid JSON: {first['ctx'].get('error', first['msg'])}" if "ctx" in first else "invalid JSON"
        )
    if kind == "union_tag_not_found":
        return "missing field 'type'"
    if kind == "union_tag_invalid":
        return (
            f"unknown type {first['input'].get('type')!r}"
            if isinstance(first["input"], dict)
            else "unknown type"
        )
    if kind == "model_type" and not first["loc"]:
        return "not a JSON object"
    # loc starts with the union tag (e.g. 'contact.ended'); the field path follows.
    path = ".".join(str(part) for part in first["loc"][1:]) or "event"
    message = first["msg"].removeprefix("Value error, ")
    extra = "" if len(error.errors()) == 1 else f" (+{len(error.errors()) - 1} more)"
    return f"{path}: {message}{extra}"


def validate_event(raw: bytes | str) -> ContactEvent | AgentState | Rejection:
    """Validate one message against the contract models: an event, or why it is not one."""
    try:
        return _ADAPTER.validate_json(raw)
    except ValidationError as error:
        return Rejection(reason=_describe(error))
    except UnicodeDecodeError:
        return Rejection(reason="not UTF-8")


# Every field the contract defines; an event's other fields are a producer's extras, which may be
# about a person (events.md, "Personal data") and are the first thing an erasure removes.
CONTRACT_FIELDS: frozenset[str] = frozenset().union(
    *(model.model_fields for model in (*ContactEvent.__args__, AgentState))
) | {"type"}
