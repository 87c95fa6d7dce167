"""Summary read queries: published versions, stored rows, and the figures they freeze."""

from consulta.summary.figures import compute_figures
from consulta.summary.queries import (
    last_version_number,
    latest_snapshot,
    published_versions,
    stored_rows,
)

from ..conftest import iv_plan_json
from .conftest import close, consultation_of


def test_latest_snapshot_and_the_versions_of_one_consultation(
        app, closed_consultation, create_consultation, publish, in_request):
    slug, secretariat = closed_consultation.slug, closed_consultation.secretariat
    other = create_consultation(plan=iv_plan_json(), opens_in_days=-10, closes_in_days=1,
                                title="Otra consulta")
    close(app, other)
    assert latest_snapshot(consultation_of(slug)) is None
    assert last_version_number(consultation_of(slug)) == 0
    assert published_versions(consultation_of(slug)) == []

    published = [publish(slug, secretariat), publish(other, secretariat),
                 publish(slug, secretariat)]

    consultation = consultation_of(slug)
    assert latest_snapshot(consultation).version == 2
    assert latest_snapshot(consultation, 1).digest == published[0][1]
    assert latest_snapshot(consultation, 3) is None
    assert last_version_number(consultation) == 2
    versions = published_versions(consultation)
    assert [(v, digest) for v, _at, digest in versions] == [(2, published[2][1]),
                                                            (1, published[0][1])]
    assert versions[0][1] >= versions[1][1]
    assert latest_snapshot(consultation_of(other)).digest == published[1][1]


def test_a_page_of_the_stored_matrix_is_the_same_slice_as_the_whole(
        closed_consultation, publish, in_request):
    publish(closed_consultation.slug, closed_consultation.secretariat)
    snapshot = latest_snapshot(consultation_of(closed_consultation.slug))

    everything = [row["code"] for row in stored_rows(snapshot)]

    assert len(everything) == snapshot.row_count > 5
    assert [row["code"] for row in stored_rows(snapshot, 2, 3)] == everything[2:5]
    assert [row["code"] for row in stored_rows(snapshot, len(everything) - 1, 3)] \
        == everything[-1:]
    assert list(stored_rows(snapshot, len(everything), 3)) == []


def test_the_figures_of_a_small_consultation(closed_consultation, in_request):
    consultation = consultation_of(closed_consultation.slug)

    figures = compute_figures(consultation)

    assert figures["contributions"] == {"total": 7, "withdrawn": 1, "hidden": 1,
                                        "visible": 5, "answered": 3, "answered_share": 60.0,
                                        "outside_windows": 0}
    # Counted: everything not withdrawn (hidden included); outcomes: only what is visible.
    assert figures["by_kind"] == {"comment": 5, "proposal": 1}
    assert figures["by_channel"] == {"web": 5, "workshop": 1}
    assert figures["by_sector"] == {"civil_society": 1, "academia": 1, "citizen": 2,
                                    "private_sector": 1, "": 1}
    assert figures["by_region"] == dict.fromkeys(
        ("cusco", "puno", "piura", "loreto", "tacna", "la-libertad"), 1)
    assert figures["by_component"] == {consultation.components[0].name: 1}
    # The grouped comments count with their group's response.
    assert figures["by_outcome"] == {"already_covered": 2, "not_incorporated": 1, "none": 2}
    assert figures["by_hidden_reason"] == {"offensive": 1}
    assert figures["participants"] == {"accounts": 6, "offline_authors": 1,
                                       "offline_unnamed": 0, "total": 7}
    assert figures["declared_genders"] == {"declared": 4, "women_declared": 2,
                                           "undeclared": 2}
    assert figures["events"] == {
        "count": 1, "by_kind": {"workshop": 1}, "counted": 1, "attendees": 28,
        "in_sectors": 28, "sector_unrecorded": 0, "gender_recorded": 28, "women": 14,
        "by_sector": {"civil_society": {"participants": 20, "women": 11},
                      "regional_government": {"participants": 8, "women": 3}}}
    assert figures["women"] == {"count": 16, "known": 32, "share": 50.0}
    assert sum(figures["per_day"].values()) == 7
