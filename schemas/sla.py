"""Service-level settings (kpis.md "Settings and defaults"), per client, queue and channel.

The most specific setting wins: client+queue+channel, then client+channel, then client,
then the contract's defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, cast

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schemas.events import Channel

CHANNELS: tuple[Channel, ...] = ("call", "email", "chat")
DEFAULT_THRESHOLD_S: dict[str, float] = {"call": 20.0, "chat": 20.0, "email": 7200.0}
DEFAULT_TARGET = 0.80
SHORT_ABANDON_S = 5.0
FCR_WINDOW_S = 7 * 86_400


class ChannelSettings(BaseModel):
    """Thresholds that may be overridden at any level; unset fields inherit."""

    model_config = ConfigDict(extra="forbid")

    sl_threshold_s: float | None = Field(default=None, gt=0)
    sl_target: float | None = Field(default=None, ge=0, le=1)
    short_abandon_s: float | None = Field(default=None, ge=0)


class QueueSettings(ChannelSettings):
    channels: dict[Channel, ChannelSettings] = Field(default_factory=dict)


class ClientSettings(QueueSettings):
    timezone: str = "UTC"
    sl_formula: Literal[
        "default",
        "abandons_in_sl_met",
        "answered_only",
        "abandons_missed",
        "abandons_in_sl_excluded",
    ] = "default"
    queues: dict[str, QueueSettings] = Field(default_factory=dict)


class SlaFile(BaseModel):
    """The whole SLA file: defaults, then per-client overrides."""

    model_config = ConfigDict(extra="forbid")

    defaults: QueueSettings = Field(default_factory=QueueSettings)
    clients: dict[str, ClientSettings] = Field(default_factory=dict)


class Thresholds(BaseModel):
    """Resolved thresholds for one (client, queue, channel), in microseconds for the engine."""

    model_config = ConfigDict(frozen=True)

    sl_threshold_us: int
    short_abandon_us: int
    sl_target: float


class SlaError(ValueError):
    """A bad SLA file: names the file, the field path and the problem."""


class SlaSettings:
    """Looks up the thresholds that hold for a (client, queue, channel)."""

    def __init__(self, config: SlaFile | None = None) -> None:
        self.config = config or SlaFile()
        self._cache: dict[tuple[str, str, str], Thresholds] = {}

    def _chain(self, client: str, queue: str, channel: str) -> list[ChannelSettings]:
        chain: list[ChannelSettings] = []
        channel = cast(Channel, channel)
        found = self.config.clients.get(client)
        if found is not None:
            queue_cfg = found.queues.get(queue)
            if queue_cfg is not None:
                chain += [c for c in (queue_cfg.channels.get(channel),) if c] + [queue_cfg]
            chain += [c for c in (found.channels.get(channel),) if c] + [found]
        defaults = self.config.defaults
        chain += [c for c in (defaults.channels.get(channel),) if c] + [defaults]
        return chain

    def formula(self, client: str) -> str:
        """The service-level formula variant in a client's contract."""
        found = self.config.clients.get(client)
        return "default" if found is None else found.sl_formula

    def thresholds(self, client: str, queue: str, channel: str) -> Thresholds:
        """Return the thresholds in force; cached, since the engine asks per contact."""
        key = (client, queue, channel)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        chain = self._chain(client, queue, channel)

        def pick(field: str, default: float) -> float:
            for level in chain:
                value = getattr(level, field)
                if value is not None:
                    return float(value)
            return default

        resolved = Thresholds(
            sl_threshold_us=round(pick("sl_threshold_s", DEFAULT_THRESHOLD_S[channel]) * 1e6),
            short_abandon_us=round(pick("short_abandon_s", SHORT_ABANDON_S) * 1e6),
            sl_target=pick("sl_target", DEFAULT_TARGET),
        )
        self._cache[key] = resolved
        return resolved


def load_sla(path: str | Path | None) -> SlaSettings:
    """Load and validate an SLA file; with no path, the contract's defaults hold."""
    if path is None:
        return SlaSettings()
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise SlaError(f"{path}: cannot read: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise SlaError(f"{path}: not valid YAML: {error}") from error
    try:
        return SlaSettings(SlaFile.model_validate(document))
    except ValidationError as error:
        problems = [
            f"{path}: {'.'.join(str(p) for p in item['loc']) or '(top level)'}: {item['msg']}"
            for item in error.errors(include_url=False)
        ]
        raise SlaError("\n".join(problems)) from error
