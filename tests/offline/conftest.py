"""What the offline-participation tests share: spreadsheets made like a moderator
would fill the template, and loaders for use inside an app context."""

import csv
from functools import lru_cache
from io import BytesIO, StringIO

import pytest
from flask import has_app_context
from flask_babel import force_locale
from openpyxl import Workbook
from sqlalchemy import func, select

from consulta.accounts.models import User
from consulta.audit.models import AuditEntry
from consulta.consultations.models import Consultation
from consulta.contributions.models import Contribution
from consulta.extensions import db
from consulta.offline.importer import COLUMNS, headers

from ..conftest import iv_plan_json, login, make_app


@pytest.fixture
def slug(create_consultation):
    """An open consultation with the IV plan published (9 components, 21 commitments)."""
    return create_consultation(plan=iv_plan_json())


@pytest.fixture
def moderator(app, create_user):
    user = create_user(roles=("moderator",))
    client = app.test_client()
    login(client, user)
    return user, client


@lru_cache(maxsize=1)
def _an_app():
    """An app to read the headers with (they name the profile's region label), for the
    files a test makes before it has an app context."""
    return make_app("sqlite://")


def spanish_headers():
    if not has_app_context():
        with _an_app().test_request_context():
            return spanish_headers()
    with force_locale("es"):
        labels = headers()
    return [labels[k] for k in COLUMNS]


def xlsx_file(rows, header_row=None):
    """An XLSX workbook: the template's Spanish headers (or ``header_row``), then one
    row per dict (keys of ``COLUMNS``; a value may be a date, a number or text)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header_row or spanish_headers())
    for row in rows:
        sheet.append([row.get(k) for k in COLUMNS] if isinstance(row, dict) else row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_file(rows, header_row=None, delimiter=","):
    buffer = StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header_row or spanish_headers())
    for row in rows:
        writer.writerow(["" if row.get(k) is None else row.get(k) for k in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def consultation_of(slug):
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def contribution_of(code):
    return db.session.scalar(select(Contribution).where(Contribution.tracking_code == code))


def user_of(ref):
    return db.session.get(User, ref.id)


def count(model=Contribution):
    return db.session.scalar(select(func.count()).select_from(model))


def audit_entries(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()
