"""The spreadsheets the staff download write their times in the deployment's zone and say
which: a Mexican secretariat reads central Mexico time, never UTC shown as local time, nor
Lima's. Times stay stored in UTC."""

import csv
import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import select, update

from consulta.contributions.models import Contribution
from consulta.extensions import db

from ..conftest import iv_plan_json, login, make_app

#: 18:00 on 13 March in Mexico City (UTC-6), 19:00 in Lima (UTC-5), the 14th in UTC.
MOMENT = datetime(2026, 3, 14, 0, 0, tzinfo=UTC)


def received_at_the_moment(app, code):
    with app.app_context():
        db.session.execute(update(Contribution).where(Contribution.tracking_code == code)
                           .values(received_at=MOMENT, created_at=MOMENT))
        db.session.commit()


def matrix(deployment, secretariat, slug):
    """The header row and the first contribution's row of the exported matrix."""
    client = deployment.test_client()
    login(client, secretariat)
    response = client.get(f"/consultations/{slug}/feedback/matrix.xlsx")
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    header, first = list(load_workbook(io.BytesIO(response.data)).active
                         .iter_rows(values_only=True))[:2]
    return dict(zip(header, first, strict=True))


def test_the_contribution_matrix_is_in_the_deployments_local_time(
        app, database_url, create_user, create_consultation, create_contribution):
    mexico = make_app(database_url, CONSULTA_PROFILE="mexico")
    slug = create_consultation(plan=iv_plan_json())
    code = create_contribution(slug)
    received_at_the_moment(app, code)
    secretariat = create_user(roles=("secretariat",), region="jalisco",
                              privacy_version=mexico.config["PRIVACY_NOTICE_VERSION"])

    row = matrix(mexico, secretariat, slug)
    assert row["Fecha (hora del centro de México)"] == "2026-03-13 18:00"

    peru_secretariat = create_user(roles=("secretariat",))
    row = matrix(app, peru_secretariat, slug)
    assert row["Fecha (hora de Lima)"] == "2026-03-13 19:00"

    with app.app_context():  # stored as it was: UTC
        stored = db.session.scalar(select(Contribution.received_at))
        assert stored.astimezone(UTC) == MOMENT


def test_the_contributions_csv_gives_local_dates_and_times_with_their_offset(
        app, database_url, create_consultation, create_contribution):
    mexico = make_app(database_url, CONSULTA_PROFILE="mexico")
    slug = create_consultation(plan=iv_plan_json())
    received_at_the_moment(app, create_contribution(slug))
    response = mexico.test_client().get(f"/api/v1/consultations/{slug}/contributions.csv")
    assert response.status_code == 200
    row = next(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert row["date"] == row["received_on"] == "2026-03-13"  # the 14th in UTC
    assert row["recorded_at"] == "2026-03-13T18:00:00-06:00"
