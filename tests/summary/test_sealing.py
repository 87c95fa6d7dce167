"""A summary's rows read and sealed in slices, each by a process of its own: the same
rows in the same order as one process seals, as of the publication's one moment."""

import multiprocessing
import os

import pytest
from sqlalchemy import func, select, update

from consulta.contributions.models import Contribution
from consulta.extensions import db
from consulta.summary import sealing
from consulta.summary.matrix import iter_rows
from consulta.summary.models import SummaryRow, SummarySnapshot
from consulta.summary.operations import preview_summary, publish_summary
from consulta.summary.queries import recompute_digest, stored_rows
from consulta.summary.sealing import SliceFailed

from .conftest import consultation_of, contribution, hide_from_another_connection, user

pytestmark = pytest.mark.skipif(not sealing.can_fork(),
                                reason="slices are read by forked processes (Linux)")


@pytest.fixture
def in_slices(app, monkeypatch):
    """Three slices for the seven rows of the closed consultation (two rows a process)."""
    monkeypatch.setitem(app.config, "SUMMARY_PUBLISH_PROCESSES", 3)
    monkeypatch.setitem(app.config, "SUMMARY_PUBLISH_ROWS_PER_PROCESS", 2)


@pytest.fixture
def readers(tmp_path, monkeypatch):
    """The processes that read rows of the matrix (→ a function giving their ids)."""
    folder = tmp_path / "readers"
    folder.mkdir()
    read = sealing.read_row_values

    def noting_the_process(*args):
        (folder / str(os.getpid())).touch()
        yield from read(*args)

    monkeypatch.setattr(sealing, "read_row_values", noting_the_process)
    return lambda: {int(path.name) for path in folder.iterdir()}


def refused_and_nothing_written(closed, reason):
    """Publishing fails with ``SliceFailed`` saying ``reason``; no version, no row, no
    process is left."""
    with pytest.raises(SliceFailed, match=reason):
        publish_summary(consultation_of(closed.slug), actor=user(closed.secretariat))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(SummarySnapshot)) == 0
    assert db.session.scalar(select(func.count()).select_from(SummaryRow)) == 0
    assert multiprocessing.active_children() == []


def test_the_rows_sealed_in_slices_are_the_matrix_in_order(closed_consultation, in_slices,
                                                            readers, in_request):
    consultation = consultation_of(closed_consultation.slug)
    expected_rows = list(iter_rows(consultation))
    expected_figures = preview_summary(consultation)["figures"]
    db.session.rollback()

    snapshot = publish_summary(consultation, actor=user(closed_consultation.secretariat))
    db.session.commit()

    assert len(readers()) == 3 and os.getpid() not in readers()
    assert list(stored_rows(snapshot)) == expected_rows
    assert snapshot.row_count == 7
    assert snapshot.content["figures"] == expected_figures
    assert recompute_digest(snapshot) == snapshot.digest
    # Each process draws its own salts: none is drawn twice.
    salts = db.session.scalars(select(SummaryRow.salt)
                               .where(SummaryRow.snapshot_id == snapshot.id)).all()
    assert len(set(salts)) == len(salts) == 7
    assert multiprocessing.active_children() == []


def test_withdrawn_rows_before_a_slice_count_in_where_it_starts(
        closed_consultation, in_slices, readers, in_request):
    """The slices' bounds are read among the rows listed (not withdrawn); the rows
    withdrawn before a bound still come before it in the matrix."""
    consultation = consultation_of(closed_consultation.slug)
    with db.engine.begin() as other:
        other.execute(update(Contribution)
                      .where(Contribution.tracking_code.in_(closed_consultation.grouped))
                      .values(withdrawn_at=func.now()))
    expected_rows = list(iter_rows(consultation))
    db.session.rollback()

    snapshot = publish_summary(consultation, actor=user(closed_consultation.secretariat))
    db.session.commit()

    assert len(readers()) == 3
    assert list(stored_rows(snapshot)) == expected_rows
    assert [row["status"] for row in expected_rows].count("withdrawn") == 3
    assert recompute_digest(snapshot) == snapshot.digest


def test_a_small_consultation_is_sealed_by_this_process(closed_consultation, readers,
                                                        in_request):
    snapshot = publish_summary(consultation_of(closed_consultation.slug),
                               actor=user(closed_consultation.secretariat))
    db.session.commit()

    assert readers() == set()  # the slices' reader was not used
    assert snapshot.row_count == 7 and recompute_digest(snapshot) == snapshot.digest


def test_slices_and_figures_are_read_as_of_one_moment(closed_consultation, in_slices,
                                                      readers, in_request, monkeypatch):
    """A hide committed once the slices have begun to read, before the figures are
    counted: figures and rows both tell of the contributions before it."""
    import consulta.summary.operations as operations

    consultation = consultation_of(closed_consultation.slug)
    hidden_meanwhile = contribution(closed_consultation.unanswered).id
    count_figures = operations.compute_figures

    def a_hide_then_the_figures(counted):
        hide_from_another_connection(hidden_meanwhile)
        return count_figures(counted)

    monkeypatch.setattr(operations, "compute_figures", a_hide_then_the_figures)
    snapshot = publish_summary(consultation, actor=user(closed_consultation.secretariat))
    db.session.commit()

    assert len(readers()) == 3
    statuses = [row["status"] for row in stored_rows(snapshot)]
    assert statuses.count("hidden:offensive") == 1  # the hide of before, not this one
    assert snapshot.content["figures"]["contributions"]["hidden"] == 1
    assert db.session.get(Contribution, hidden_meanwhile).hidden_at is not None
    assert recompute_digest(snapshot) == snapshot.digest


def test_a_commit_while_the_slices_begin_reads_everything_again(
        closed_consultation, in_slices, readers, in_request, monkeypatch, app):
    """SQLite: something committed between the look at the database's version and this
    connection's first read may sit between two slices' moments: the slices are
    dropped, and figures and rows are read again here, both after it."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's slices share an exported snapshot")
    consultation = consultation_of(closed_consultation.slug)
    hidden_meanwhile = contribution(closed_consultation.unanswered).id
    wait_reading = sealing.Slices.wait_reading

    def reading_then_a_hide(slices):
        wait_reading(slices)
        hide_from_another_connection(hidden_meanwhile)

    monkeypatch.setattr(sealing.Slices, "wait_reading", reading_then_a_hide)
    snapshot = publish_summary(consultation, actor=user(closed_consultation.secretariat))
    db.session.commit()

    statuses = [row["status"] for row in stored_rows(snapshot)]
    assert statuses.count("hidden:offensive") == 2
    assert snapshot.content["figures"]["contributions"]["hidden"] == 2
    assert recompute_digest(snapshot) == snapshot.digest
    assert multiprocessing.active_children() == []


def test_a_slice_that_fails_fails_the_publication_and_nothing_is_written(
        closed_consultation, in_slices, in_request, monkeypatch):
    def broken(*_args):
        raise ValueError("a row the matrix cannot read")
        yield  # a generator, as the real one

    monkeypatch.setattr(sealing, "read_row_values", broken)
    refused_and_nothing_written(closed_consultation, "a row the matrix cannot read")


def test_a_slice_that_seals_other_rows_than_counted_fails_the_publication(
        closed_consultation, in_slices, in_request, monkeypatch):
    """PostgreSQL writes each batch at the position its slice was counted to start at:
    a slice that seals another number of rows would leave gaps or overlaps, and is
    refused before anything is committed."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL's slices write their rows as they are sealed")
    bounds = sealing._slice_bounds

    def miscounted(*args, **kwargs):
        positions, keys = bounds(*args, **kwargs)
        return [position + 1 for position in positions], keys

    monkeypatch.setattr(sealing, "_slice_bounds", miscounted)
    refused_and_nothing_written(closed_consultation, "slice 0 sealed 2 rows, 3 counted")
