"""Named errors the use cases raise; the ui turns each into one clear line for the user."""


class EmptyChairError(Exception):
    """Base for every error a user can act on (never a bug)."""


class ValidationError(EmptyChairError):
    """Input that breaks a rule; `field` names what to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class BoardError(EmptyChairError):
    """The board file cannot be used: foreign, corrupt, newer, read-only, busy or missing."""


class ImportFileError(EmptyChairError):
    """A CSV file that cannot be imported at all (unreadable, no text column, ...)."""


class NotFoundError(EmptyChairError):
    """A customer, voice or other record that does not exist (or was deleted)."""


class ConflictError(EmptyChairError):
    """The row changed in another window or program since it was read: nothing was written,
    so neither edit is lost."""
