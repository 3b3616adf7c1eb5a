"""The warm command server: `opmodel daemon status`."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from ._base import Output


class DaemonStatus(Output):
    """`opmodel daemon status`: whether a command server runs for this installation."""

    output_name: ClassVar[str] = "daemon-status"
    running: bool
    socket: str = Field(description="The Unix socket it listens on (or would).")
    pid: int | None = None
    opmodel_version: str | None = Field(None, description="opmodel's version in the server.")
    python: str | None = Field(None, description="The interpreter it runs on.")
    started: str | None = Field(None, description="When it started (ISO 8601, local time).")
    uptime_seconds: float | None = None
    served: int | None = Field(None, description="Commands it has run.")
    commands_running: int | None = Field(None, description="Commands running now.")
    commands_cpu_seconds: float | None = Field(
        None, description="The CPU time of the commands that ended (user + system).")
    idle_timeout_seconds: float | None = Field(
        None, description="It ends after this long without a command; null: never.")
    files_watched: int | None = Field(
        None, description="Imported files whose change ends it (a new version, an edit).")
    changed: str | None = Field(
        None, description="An imported file that changed since it started: it declines the "
                          "next command and ends.")
