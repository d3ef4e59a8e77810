"""Domain errors. Every message is Chinese and meant to be shown to the user as is."""

from __future__ import annotations


class DomainError(Exception):
    """A refused action; `str(exc)` is the user-facing Chinese message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class WindowClosed(DomainError):
    """The round's phase or its window does not allow the action now."""


class NotPermitted(DomainError):
    """The acting user's role or ownership does not allow the action."""


class InvalidTransition(DomainError):
    """The object's current state does not allow the action."""


class ConflictError(DomainError):
    """A concurrent write changed the object first (optimistic concurrency)."""


class PhaseJobFailed(DomainError):
    """A job run on entering or leaving a phase failed; the round did not move past it."""
