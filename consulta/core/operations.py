"""The errors every operation raises when a rule forbids what it was asked to do.

Operations (each part's ``operations.py``) check the rules of a change, make it,
write the audit log and send a signal; they never commit. When a rule forbids the
change they raise one of these, with a message for the user in their language; the
view (see ``consulta.core.transaction.attempt``) rolls back and shows it.
"""


class OperationError(Exception):
    """A rule forbids the action; ``message`` says why, in the user's language."""

    def __init__(self, message):
        # Plain text, never a lazy string: lazy strings render unescaped in templates.
        self.message = str(message)
        super().__init__(self.message)


class Conflict(OperationError):
    """Someone else saved the object since it was opened (optimistic locking)."""
