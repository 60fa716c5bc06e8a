"""The queue map file: which outsourcing client each platform queue belongs to, and how a
bridge fills what the platform does not record."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.channels import Channel
from schemas.config_file import ConfigError, read_config
from schemas.events import Direction

NAME = r"^[^\s|]{1,256}$"


class QueueMapError(ConfigError):
    """A bad queue map file: names the file, the field path and the problem."""


class QueueTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client: str = Field(pattern=NAME)
    queue: str | None = Field(None, pattern=NAME)  # its name in cckpi (default: the platform's)
    # The channel its contacts are (default: what the platform's own type of it says).
    channel: Channel | None = None
    # Who starts the calls that enter it (Asterisk only): ``outbound`` for a queue that only the
    # centre's own calls enter (a dialer's or a campaign's); the log's line does not say.
    direction: Direction = "inbound"


class QueueMap(BaseModel):
    """``queues`` maps a platform queue to its client; others go to ``default_client`` (or, when
    that is empty, are reported and not converted). ``agents`` names the people behind the names
    a platform logs (agent id: every other name it appears under); ``withheld_callers`` adds the
    PBX's own values for a withheld caller id to the usual ones. Asterisk only:
    ``outbound_callers`` are the centre's own numbers (a call entering a queue under one is the
    centre's), and ``outbound_enterqueue_with_agent`` takes a call entering a queue with an agent
    already named (which only a dialplan writes) for an outbound one."""

    model_config = ConfigDict(extra="forbid")

    queues: dict[str, QueueTarget] = Field(default_factory=dict)
    agents: dict[str, list[Annotated[str, Field(pattern=NAME)]]] = Field(default_factory=dict)
    withheld_callers: list[str] = Field(default_factory=list)
    outbound_callers: list[str] = Field(default_factory=list)
    outbound_enterqueue_with_agent: bool = True
    default_client: str | None = Field("default", pattern=NAME)
    system: str = Field(
        "", pattern=r"^[^\s|:]{0,64}$", description="prefix of contact ids: several PBXs, one topic"
    )
    resolved: bool = True  # a completed call's `resolved`: the platform does not know it
    hash_callers: bool = False  # caller numbers as salted pseudonyms ($CCKPI_CALLER_SALT)

    def target(self, queue: str) -> tuple[str, str] | None:
        """(client, queue) of a platform queue, or None where the map has no client for it.
        Names match in any case, as platforms look queues up (Asterisk logs a queue as the
        dialplan wrote it on some lines and as configured on others)."""
        found = self._entry(queue)
        if found is not None:
            return found.client, found.queue or queue
        return None if self.default_client is None else (self.default_client, queue)

    def channel(self, queue: str) -> Channel | None:
        """The channel the map sets for a platform queue (None: the platform's type decides)."""
        found = self._entry(queue)
        return None if found is None else found.channel

    def direction(self, queue: str) -> Direction:
        """Who starts the calls entering a platform queue, as the map says (default: inbound)."""
        found = self._entry(queue)
        return "inbound" if found is None else found.direction

    def _entry(self, queue: str) -> QueueTarget | None:
        """The map's entry of a platform queue, named in any case."""
        found = self.queues.get(queue)
        if found is None:
            found = {name.casefold(): target for name, target in self.queues.items()}.get(queue.casefold())
        return found

    @field_validator("agents")
    @classmethod
    def _one_person_a_name(cls, agents: dict[str, list[str]]) -> dict[str, list[str]]:
        found: dict[str, str] = {}
        for agent, names in agents.items():
            for name in (agent, *names):
                if found.setdefault(name, agent) != agent:
                    raise ValueError(f"{name!r} names both {found[name]!r} and {agent!r}")
        return agents

    def agent_aliases(self) -> dict[str, str]:
        """Every name of the ``agents`` section to the agent it names (the agent's id to itself)."""
        return {name: agent for agent, names in self.agents.items() for name in (agent, *names)}


def load_queue_map(path: str | Path | None) -> QueueMap:
    """The map in a file; with none, every queue belongs to the client ``default``."""
    return QueueMap() if path is None else read_config(path, QueueMap, QueueMapError)
