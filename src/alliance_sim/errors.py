"""The project's error classes and the exit statuses of the ``simulate`` command."""

from __future__ import annotations

from pathlib import Path

#: Exit statuses of ``simulate``.
EXIT_OK = 0
EXIT_USAGE = 2  # invalid input, option or folder: nothing was run
EXIT_INCOMPLETE = 3  # a sweep ran but some tasks failed or were not run
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
EXIT_BROKEN_PIPE = 141  # the reader of standard output went away (128 + SIGPIPE), as a shell reports it


class ScenarioError(ValueError):
    """Invalid input; the message names file, line and key path where known."""

    def __init__(self, message: str, file: str | Path | None = None, line: int | None = None, key: str | None = None):
        self.file, self.line, self.key, self.reason = (str(file) if file else None), line, key, message
        where = ""
        if self.file:
            where = self.file + (f":{line}" if line else "") + ": "
        super().__init__(where + (f"{key}: " if key else "") + message)


class SweepError(ScenarioError):
    """Invalid sweep input, folder or option; the message names file, line and key path where known."""


class ResultsMismatch(ScenarioError):
    """A results folder's tables are not the ones its manifest describes (being rewritten, or edited)."""


class FolderBusy(ScenarioError):
    """Another process is writing into the results folder (it holds the folder's lock)."""
