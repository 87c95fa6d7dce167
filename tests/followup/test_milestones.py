"""Milestones and indicators of the final plan's commitments: seeded from the action
rows once, then edited, reordered and removed (only while no report mentions them);
indicators with numbers typed in the reader's language."""

from decimal import Decimal

import pytest

from consulta.core.operations import OperationError
from consulta.extensions import db
from consulta.followup import operations

from .conftest import commitment, entries, indicators, milestones, user


def test_milestones_are_seeded_once_from_the_action_rows(followed, secretariat, in_request):
    target = commitment(followed["slug"], 1)
    created = operations.seed_milestones(target, actor=user(secretariat))
    db.session.commit()

    rows = milestones(target.id)
    assert [(m.position, m.description, m.starts, m.due, m.current_status, m.current_percent)
            for m in rows] == [
        (1, "Diseñar el observatorio con la sociedad civil", "2026-03", "2026-09",
         "not_started", 0),
        (2, "Publicar los precios en datos abiertos", "2026-10", "2027-06", "not_started", 0)]
    assert len(created) == 2
    assert entries("milestones.seeded")[0].after["milestones"][0]["due"] == "2026-09"
    with pytest.raises(OperationError, match="ya tiene hitos"):
        operations.seed_milestones(target, actor=user(secretariat))


def test_a_commitment_without_action_rows_is_not_seeded(followed, secretariat, in_request):
    target = commitment(followed["slug"], 2)
    with pytest.raises(OperationError, match="no tiene filas de acciones"):
        operations.seed_milestones(target, actor=user(secretariat))
    assert milestones(target.id) == []


def test_milestones_are_added_edited_reordered_and_removed(followed, secretariat, seed,
                                                           in_request):
    ids = seed(followed)["milestones"]
    target = commitment(followed["slug"], 1)
    actor = user(secretariat)
    third = operations.save_milestone(target, actor=actor, description="Evaluar el uso",
                                      starts="2027-07", due="2027-12")
    assert third.position == 3
    operations.save_milestone(target, actor=actor, milestone=third,
                              description="Evaluar el uso con la sociedad civil",
                              starts="2027-07", due="2027-11")
    operations.move_milestone(third, actor=actor, up=True)
    db.session.commit()
    assert [m.id for m in milestones(target.id)] == [ids[0], third.id, ids[1]]
    operations.move_milestone(milestones(target.id)[0], actor=actor, up=True)  # at the top
    operations.delete_milestone(db.session.get(type(third), ids[0]), actor=actor)
    db.session.commit()
    assert [(m.id, m.position) for m in milestones(target.id)] == [(third.id, 1), (ids[1], 2)]
    assert entries("milestone.saved")[-1].before["description"] == "Evaluar el uso"
    assert entries("milestone.deleted")[0].before["description"].startswith("Diseñar")


@pytest.mark.parametrize(("values", "message"), [
    ({"description": "  "}, "Describa el hito"),
    ({"starts": "2026-13"}, "formato AAAA-MM"),
    ({"due": "marzo"}, "formato AAAA-MM"),
    ({"starts": "2027-05", "due": "2027-01"}, "no puede terminar antes de empezar"),
])
def test_a_wrong_milestone_is_refused(followed, secretariat, in_request, values, message):
    target = commitment(followed["slug"], 2)
    arguments = {"description": "Un hito", "starts": "", "due": "", **values}
    with pytest.raises(OperationError, match=message):
        operations.save_milestone(target, actor=user(secretariat), **arguments)
    db.session.rollback()
    assert milestones(target.id) == []


def test_a_milestone_a_report_mentions_is_not_removed(followed, secretariat, seed,
                                                      make_report, in_request):
    ids = seed(followed)["milestones"]
    make_report(followed["commitments"][1], secretariat)
    with pytest.raises(OperationError, match="Un reporte ya menciona este hito"):
        operations.delete_milestone(milestones(followed["commitments"][1])[0],
                                    actor=user(secretariat))
    db.session.rollback()
    assert [m.id for m in milestones(followed["commitments"][1])] == ids


def test_indicator_numbers_are_read_in_the_readers_language(followed, secretariat, seed,
                                                            in_request):
    indicator_id = seed(followed)["indicator"]
    (indicator,) = indicators(followed["commitments"][1])
    assert indicator.id == indicator_id
    assert (indicator.baseline, indicator.target) == (Decimal("0"), Decimal("1234.5"))
    assert indicator.unit == "entidades"
    operations.save_indicator(indicator.commitment, actor=user(secretariat),
                              indicator=indicator, name="Entidades", baseline="12",
                              target="", unit="", source="")
    db.session.commit()
    assert (indicator.baseline, indicator.target) == (Decimal("12"), None)
    assert entries("indicator.saved")[-1].before["target"] == "1234.5000"


@pytest.mark.parametrize(("values", "message"), [
    ({"name": ""}, "Indique el nombre del indicador"),
    ({"baseline": "muchos"}, "Línea de base: «muchos» no es un número"),
    ({"target": "1.5"}, "Meta: «1.5» no es un número"),  # a decimal point, in Spanish
    ({"target": "1e400"}, "no es un número"),
])
def test_a_wrong_indicator_is_refused(followed, secretariat, in_request, values, message):
    target = commitment(followed["slug"], 1)
    arguments = {"name": "Indicador", "baseline": "1", "target": "2", **values}
    with pytest.raises(OperationError, match=message):
        operations.save_indicator(target, actor=user(secretariat), **arguments)
    db.session.rollback()
    assert indicators(target.id) == []


def test_an_indicator_with_values_in_a_report_is_not_removed(
        followed, secretariat, seed, in_request):
    seeded = seed(followed)
    target = commitment(followed["slug"], 1)
    report = operations.start_report(target, actor=user(secretariat))
    operations.save_report(report, actor=user(secretariat), as_of=report.as_of,
                           narrative="", indicators={seeded["indicator"]: {"value": "3"}})
    db.session.commit()
    with pytest.raises(OperationError, match="Un reporte ya da un valor"):
        operations.delete_indicator(indicators(target.id)[0], actor=user(secretariat))
    db.session.rollback()
    assert len(indicators(target.id)) == 1


def test_reporters_are_added_by_the_email_of_an_existing_account(
        followed, secretariat, create_user, in_request):
    from consulta.followup.access import can_report
    from consulta.followup.models import CommitmentReporter

    person = create_user(email="responsable@minsa.gob.pe")
    target = commitment(followed["slug"], 1)
    other = commitment(followed["slug"], 2)
    with pytest.raises(OperationError, match="No hay ninguna cuenta"):
        operations.add_reporter(target, actor=user(secretariat), email="nadie@example.pe")
    reporter = operations.add_reporter(target, actor=user(secretariat),
                                       email=" Responsable@Minsa.gob.pe ")
    db.session.commit()
    with pytest.raises(OperationError, match="ya reporta sobre este compromiso"):
        operations.add_reporter(target, actor=user(secretariat),
                                email="responsable@minsa.gob.pe")
    db.session.rollback()
    account = user(person)
    assert can_report(account, target) and not can_report(account, other)
    assert "responsable" not in str(entries("reporter.added")[0].after)  # never the address
    operations.remove_reporter(db.session.get(CommitmentReporter, reporter.id),
                               actor=user(secretariat))
    db.session.commit()
    assert not can_report(user(person), target)
