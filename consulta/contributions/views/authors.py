"""The rights of typed-in authors (workshops, letters, e-mail), exercised through the
secretariat: find their records, export them, erase their personal data."""

import json

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consulta.core.dates import utcnow
from consulta.core.forms import ConfirmForm
from consulta.core.operations import OperationError
from consulta.core.permissions import ANY_ENTITY, entity_filter_ids, role_required
from consulta.core.transaction import attempt
from consulta.extensions import db

from .. import operations
from ..access import get_contribution, protected_object
from ..queries import find_offline_author_records, personal_record, records_of_offline_author
from . import bp

secretariat_required = role_required("secretariat", on=protected_object)


def _entities():
    """The entities whose typed-in authors the current user may look up."""
    return entity_filter_ids(current_user, "secretariat")


def _typed_in(code):
    contribution = get_contribution(code)
    if not contribution.is_offline:
        abort(404)
    return contribution


@bp.route("/offline-authors")
@role_required("secretariat", on=ANY_ENTITY)
def offline_authors():
    """Find a typed-in author's records by name, organization or e-mail address."""
    text = (request.args.get("q") or "").strip()[:200]
    return render_template("contributions/offline_authors.html", q=text,
                           records=find_offline_author_records(text, _entities()) if text else None)


@bp.route("/contributions/<code>/author")
@secretariat_required
def offline_author(code):
    """A typed-in record's author: their data here and in their other records."""
    contribution = _typed_in(code)
    return render_template("contributions/offline_author.html", contribution=contribution,
                           records=records_of_offline_author(contribution, _entities()),
                           form=ConfirmForm())


@bp.route("/contributions/<code>/author/export", methods=["POST"])
@secretariat_required
def export_offline_author(code):
    """Every record of the author as JSON (their right of access); audited."""
    contribution = _typed_in(code)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".offline_author", code=code))
    records = records_of_offline_author(contribution, _entities())
    operations.record_author_data_export(records, actor=current_user)
    db.session.commit()
    body = json.dumps({"author": {"name": contribution.author_name,
                                  "email": contribution.author_email},
                       "records": [personal_record(c) for c in records],
                       "exported_at": utcnow().isoformat()}, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="consulta-{code}-author.json"',
        "Cache-Control": "no-store"})


@bp.route("/contributions/<code>/author/erase", methods=["POST"])
@secretariat_required
def erase_offline_author(code):
    """Erase the author's personal data in this record, or in every record of theirs."""
    contribution = _typed_in(code)
    records = [contribution]
    if request.form.get("scope") == "all":
        records = records_of_offline_author(contribution, _entities())
    with attempt(_("The author's personal data has been erased.")) as done:
        if not ConfirmForm().validate_on_submit():
            raise OperationError(_("The form expired. Try again."))
        for record in records:
            if record is contribution or operations.erasable_author_fields(record):
                operations.erase_offline_author(record, actor=current_user)
    if done:
        return redirect(url_for(".detail", code=code))
    return redirect(url_for(".offline_author", code=code))
