"""One way for a view to run operations: commit them all, or none and say why.

Operations never commit (see ``consulta.core.operations``); the view that called them
does, once, after they all succeeded::

    with attempt(_("The phase has been deleted.")) as done:
        operations.delete_phase(phase, actor=current_user)
    if done:
        ...

On success the session is committed and ``success`` (if any) is flashed. When an
operation refuses (``OperationError``), everything it did is rolled back, nothing is
committed, and its message goes to ``field``'s errors (shown next to the field) or,
without a field, is flashed as an error. ``done`` is then false and ``done.error``
holds the refusal. Any other exception is not caught: it is a bug, and the error
page (``consulta.core.errors``) answers.
"""

from contextlib import contextmanager

from flask import flash
from sqlalchemy.orm.exc import StaleDataError

from consulta.extensions import db

from .operations import Conflict, OperationError


class Outcome:
    """What happened in an ``attempt`` block: true when it was committed."""

    def __init__(self):
        self.committed = False
        self.error = None

    def __bool__(self):
        return self.committed

    @property
    def conflict(self):
        """Refused because someone else saved the same object meanwhile."""
        return isinstance(self.error, Conflict)


@contextmanager
def attempt(success=None, *, field=None, stale=None):
    """Commit what the block does, or roll it back and report the refusal.

    :param success: the message flashed once the change is committed.
    :param field: a form field whose errors receive the refusal's message, instead of
        flashing it.
    :param stale: the message of a ``Conflict`` when the database finds that someone
        else saved the same row meanwhile (SQLAlchemy's ``StaleDataError`` on a
        versioned model); without it, that error is not caught.
    """
    outcome = Outcome()
    try:
        yield outcome
        db.session.commit()
    except OperationError as error:
        _refuse(outcome, error, field)
    except StaleDataError:
        if stale is None:
            db.session.rollback()
            raise
        _refuse(outcome, Conflict(stale), field)
    else:
        outcome.committed = True
        if success:
            flash(str(success), "success")


def _refuse(outcome, error, field):
    db.session.rollback()
    outcome.error = error
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")
