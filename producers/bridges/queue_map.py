"""The queue map file: which outsourcing client each platform queue belongs to, and how a
bridge fills what the platform does not record."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from schemas.config_file import ConfigError, read_config

NAME = r"^[^\s|]{1,256}$"


class QueueMapError(ConfigError):
    """A bad queue map file: names the file, the field path and the problem."""


class QueueTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client: str = Field(pattern=NAME)
    queue: str | None = Field(None, pattern=NAME)  # its name in cckpi (default: the platform's)


class QueueMap(BaseModel):
    """``queues`` maps a platform queue to its client; others go to ``default_client`` (or, when
    that is empty, are reported and not converted)."""

    model_config = ConfigDict(extra="forbid")

    queues: dict[str, QueueTarget] = Field(default_factory=dict)
    default_client: str | None = Field("default", pattern=NAME)
    system: str = Field(
        "", pattern=r"^[^\s|:]{0,64}$", description="prefix of contact ids: several PBXs, one topic"
    )
    resolved: bool = True  # a completed call's `resolved`: the platform does not know it
    hash_callers: bool = False  # caller numbers as salted pseudonyms ($CCKPI_CALLER_SALT)

    def target(self, queue: str) -> tuple[str, str] | None:
        """(client, queue) of a platform queue, or None where the map has no client for it."""
        found = self.queues.get(queue)
        if found is not None:
            return found.client, found.queue or queue
        return None if self.default_client is None else (self.default_client, queue)


def load_queue_map(path: str | Path | None) -> QueueMap:
    """The map in a file; with none, every queue belongs to the client ``default``."""
    return QueueMap() if path is None else read_config(path, QueueMap, QueueMapError)
