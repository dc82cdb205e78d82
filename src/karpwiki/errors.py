"""The one exception family: raised when karpwiki cannot go on, caught once in cli.main."""

from __future__ import annotations


class KarpwikiError(Exception):
    """A problem that stops the command; printed as one line, never as a traceback."""

    exit_code = 2

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"


class UsageError(KarpwikiError):
    """The command line or the folders it names cannot be used (exit 2)."""


class TemplateProblem(KarpwikiError):
    """The theme's templates cannot be loaded or rendered (exit 2)."""


class BuildBusy(KarpwikiError):
    """Another build is writing into the same output folder (exit 2)."""
