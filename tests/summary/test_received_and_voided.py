"""The received date in every figure and export, and voided records left out of them.

A typed-in contribution is dated by the day it was received, never by the day a
moderator typed it; a record typed in by mistake and voided counts nowhere (lists,
figures, the summary, the exports, the API), while a frozen summary version keeps it.
"""

import csv
import io
from datetime import date, timedelta

from consulta.contributions.operations import void_contribution
from consulta.core.dates import local_today, utc_to_local
from consulta.extensions import db
from consulta.feedback.matrix import matrix_rows
from consulta.feedback.queries import coverage
from consulta.moderation.queries import moderation_counts
from consulta.summary.figures import compute_figures
from consulta.summary.matrix import iter_rows
from consulta.summary.operations import preview_summary

from ..conftest import iv_plan_json, login
from .conftest import consultation_of, contribution, user
from .test_exports import read_csv


def _counts(app, client, slug):
    """How many contributions each reader of the consultation sees."""
    with app.test_request_context():
        consultation = consultation_of(slug)
        figures = compute_figures(consultation)
        preview = preview_summary(consultation)["figures"]
        counts = {
            "figures": figures["contributions"]["total"],
            "by_channel": sum(figures["by_channel"].values()),
            "per_day": sum(figures["per_day"].values()),
            "participants": figures["participants"]["offline_authors"],
            "preview": preview["contributions"]["total"],
            "matrix": len(list(iter_rows(consultation))),
            "moderation": moderation_counts(consultation)["received"],
            "coverage": coverage(consultation)["total"],
        }
        db.session.remove()
    listing = client.get(f"/consultations/{slug}/contributions").get_data(as_text=True)
    counts["list"] = listing.count('class="card contribution-card"')
    counts["csv"] = len(list(csv.DictReader(io.StringIO(read_csv(client, slug)))))
    api = client.get(f"/api/v1/consultations/{slug}/contributions").get_json()
    counts["api"] = api["total"]
    counts["api_items"] = len(api["contributions"])
    return counts


def test_voiding_one_of_three_typed_in_records_drops_every_count_by_one(
        app, client, create_consultation, create_user, create_contribution):
    slug = create_consultation(plan=iv_plan_json())
    moderator = create_user(roles=("moderator",))
    with app.app_context():
        day = local_today() - timedelta(days=2)
    codes = [create_contribution(slug, author=moderator, channel="written",
                                 received_on=day, author_name=f"Autora {n}",
                                 body=f"Hoja número {n}.") for n in range(3)]
    before = _counts(app, client, slug)
    assert set(before.values()) == {3}, before

    with app.test_request_context():
        void_contribution(contribution(codes[1]), actor=user(moderator),
                          reason="Ingresado dos veces: es la hoja 0.")
        db.session.commit()
        db.session.remove()
    after = _counts(app, client, slug)
    assert after == dict.fromkeys(before, 2), after
    assert codes[1] not in read_csv(client, slug)

    # Staff still find it, in its own tab of the moderation queue, with the reason.
    staff = app.test_client()
    login(staff, moderator)
    queue = staff.get(f"/consultations/{slug}/moderation?state=voided").get_data(
        as_text=True)
    assert codes[1] in queue and codes[0] not in queue
    page = staff.get(f"/contributions/{codes[1]}").get_data(as_text=True)
    assert "Ingresado dos veces: es la hoja 0." in page


def test_a_published_version_keeps_a_record_voided_after_it_and_the_next_leaves_it_out(
        app, client, closed_consultation, publish, create_user):
    closed = closed_consultation
    moderator = create_user(roles=("moderator",))
    publish(closed.slug, closed.secretariat)
    with app.test_request_context():
        void_contribution(contribution(closed.workshop), actor=user(moderator),
                          reason="Era de otra consulta.")
        db.session.commit()
        db.session.remove()
    publish(closed.slug, closed.secretariat)
    first = client.get(f"/api/v1/consultations/{closed.slug}/summary?version=1").get_json()
    second = client.get(f"/api/v1/consultations/{closed.slug}/summary?version=2").get_json()
    assert (first["rows"], second["rows"]) == (7, 6)
    assert first["content"]["figures"]["contributions"]["total"] == 7
    assert second["content"]["figures"]["contributions"]["total"] == 6
    rows = client.get(f"/api/v1/consultations/{closed.slug}/summary/v2/matrix").get_json()
    assert closed.workshop not in {row["code"] for row in rows["rows"]}


def test_figures_lists_and_exports_date_a_typed_in_record_by_its_received_day(
        app, client, create_consultation, create_user, create_contribution):
    slug = create_consultation(plan=iv_plan_json())
    moderator = create_user(roles=("moderator",))
    with app.app_context():
        today = local_today()
    received = today - timedelta(days=9)
    web = create_contribution(slug, body="Por la web, hoy.")
    typed = create_contribution(slug, author=moderator, channel="written",
                                received_on=received, received_outside_window=True,
                                body="Carta de hace nueve días.")
    with app.test_request_context():
        consultation = consultation_of(slug)
        assert compute_figures(consultation)["per_day"] == {
            received.isoformat(): 1, today.isoformat(): 1}
        rows = {row["code"]: row for row in iter_rows(consultation)}
        assert list(rows) == [typed, web]  # in the order received, not typed
        recorded = utc_to_local(contribution(typed).created_at)
        db.session.remove()
    assert (rows[typed]["date"], rows[typed]["received_on"]) == (received.isoformat(),) * 2
    assert rows[typed]["recorded_at"].startswith(recorded.date().isoformat())
    assert rows[web]["received_on"] == today.isoformat()

    exported = {r["code"]: r for r in csv.DictReader(io.StringIO(read_csv(client, slug)))}
    assert exported[typed]["received_on"] == received.isoformat()
    assert exported[typed]["recorded_at"].startswith(recorded.date().isoformat())

    api = client.get(f"/api/v1/consultations/{slug}/contributions").get_json()
    [first, second] = api["contributions"]
    assert (first["tracking_code"], second["tracking_code"]) == (typed, web)
    assert first["received_on"] == received.isoformat()
    assert first["received_at"] < first["recorded_at"] == first["created_at"]

    # The public list, newest first, puts the letter after today's web comment.
    listing = client.get(f"/consultations/{slug}/contributions").get_data(as_text=True)
    assert listing.index(web) < listing.index(typed)
    oldest = client.get(f"/consultations/{slug}/contributions?sort=oldest").get_data(
        as_text=True)
    assert oldest.index(typed) < oldest.index(web)


def test_the_feedback_matrix_dates_a_typed_in_record_by_its_received_day(
        app, create_consultation, create_user, create_contribution):
    slug = create_consultation(plan=iv_plan_json())
    secretariat = create_user(roles=("secretariat",))
    typed = create_contribution(slug, channel="email", received_on=date(2026, 5, 11),
                                received_outside_window=True)
    client = app.test_client()
    login(client, secretariat)
    page = client.get(f"/consultations/{slug}/matrix").get_data(as_text=True)
    assert typed in page
    with app.test_request_context():
        [row] = list(matrix_rows(consultation_of(slug)))
        db.session.remove()
    assert row[0] == typed and row[2] == "2026-05-11"
