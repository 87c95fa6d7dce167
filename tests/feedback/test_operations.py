"""Feedback's operations called directly, on contributions made with the factories:
write, review, approve and publish responses (four eyes, versions), who is told, bulk
actions, answer templates, and the matrix exported and imported."""

from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from consulta.core.operations import Conflict, OperationError
from consulta.extensions import db
from consulta.feedback import operations
from consulta.feedback.matrix import COLUMNS, ImportProblems, export_xlsx, import_responses
from consulta.feedback.models import ResponseVersion
from consulta.feedback.signals import response_published
from consulta.moderation.operations import group_contribution, hide_contribution

from ..conftest import iv_plan_json
from .conftest import (
    JUSTIFICATION,
    commitment_ids,
    consultation_of,
    contribution,
    entries,
    group,
    response,
    user,
    xlsx,
)

OTHER_JUSTIFICATION = ("El borrador ya lo considera. Las acciones del compromiso 5 atienden "
                       "el problema planteado.")


def save(target, actor, **values):
    """``save_response`` with a complete "incorporated in commitment 5" by default."""
    slug = target.consultation.slug
    values = {"outcome": "incorporated", "justification": JUSTIFICATION,
              "commitment_ids": commitment_ids(slug, 5), **values}
    return operations.save_response(target, actor=user(actor), **values)


# --- writing --------------------------------------------------------------------------

def test_save_response_writes_a_draft_and_records_it(consultation, create_contribution,
                                                      secretariat, in_request):
    code = create_contribution(consultation)

    saved = save(contribution(code), secretariat, justification=f"  {JUSTIFICATION}  ")
    db.session.commit()

    item = response(saved.id)
    assert item.status == "draft" and item.current_version is None
    assert contribution(code).own_response is item and contribution(code).published_response \
        is None
    assert item.justification == JUSTIFICATION and [c.number for c in item.commitments] == [5]
    assert item.author_id == item.last_edited_by_id == secretariat.id
    [entry] = entries("response.saved")
    assert entry.before is None and entry.consultation_id == consultation_of(consultation).id
    assert entry.after == {"outcome": "incorporated", "justification": JUSTIFICATION,
                           "commitments": [5], "referred_to": None, "status": "draft"}


@pytest.mark.parametrize("values", [
    {"outcome": "invented"},
    {"justification": ""},
    {"justification": "Corto."},
    {"justification": "Una sola oración larga que no explica ninguna razón del resultado"},
    {"commitment_ids": []},
    {"commitment_ids": "another consultation's"},
    {"outcome": "referred", "commitment_ids": [], "referred_to": "  "},
])
def test_save_response_refuses_what_could_not_be_published(
        consultation, create_consultation, create_contribution, secretariat, in_request,
        values):
    other = create_consultation(title="Otra consulta", plan=iv_plan_json())
    code = create_contribution(consultation)
    if values.get("commitment_ids") == "another consultation's":
        values = {"commitment_ids": commitment_ids(other, 5)}

    with pytest.raises(OperationError):
        save(contribution(code), secretariat, **values)
    db.session.rollback()

    assert contribution(code).own_response is None and entries("response.saved") == []


def test_a_response_keeps_only_what_its_outcome_needs(consultation, create_contribution,
                                                      secretariat, in_request):
    referred, covered = create_contribution(consultation), create_contribution(consultation)

    first = save(contribution(referred), secretariat, outcome="referred",
                 referred_to=" Gobierno Regional ")
    second = save(contribution(covered), secretariat, outcome="already_covered",
                  justification=OTHER_JUSTIFICATION, referred_to="Nadie")
    db.session.commit()

    assert response(first.id).referred_to == "Gobierno Regional"
    assert response(first.id).commitments == []
    assert response(second.id).referred_to is None and response(second.id).commitments == []


def test_save_response_refuses_a_stale_form_with_a_conflict(
        consultation, create_contribution, create_user, secretariat, in_request):
    code = create_contribution(consultation)
    colleague = create_user(roles=("secretariat",))
    # Both opened the empty form (version 0); the colleague saved first.
    first = save(contribution(code), colleague, expected_version=0)
    db.session.commit()
    opened_on = response(first.id).version

    with pytest.raises(Conflict):
        save(contribution(code), secretariat, justification=OTHER_JUSTIFICATION,
             expected_version=0)
    db.session.rollback()
    save(contribution(code), secretariat, justification=OTHER_JUSTIFICATION,
         expected_version=opened_on)
    db.session.commit()
    with pytest.raises(Conflict):
        save(contribution(code), colleague, expected_version=opened_on)
    db.session.rollback()

    assert response(first.id).justification == OTHER_JUSTIFICATION
    assert len(entries("response.saved")) == 2


def test_a_group_has_a_response_of_its_own(consultation, create_contribution, create_group,
                                           secretariat, in_request):
    code = create_contribution(consultation)
    group_id = create_group(consultation, [code])

    saved = save(group(group_id), secretariat)
    db.session.commit()

    assert group(group_id).response.id == saved.id and response(saved.id).contribution is None
    assert contribution(code).own_response is None


# --- review, approval, publication ----------------------------------------------------

def test_submit_response_for_review_takes_drafts_only(consultation, create_contribution,
                                                      create_response, secretariat,
                                                      in_request):
    code = create_contribution(consultation)
    response_id = create_response(code, publish=False)

    operations.submit_response_for_review(response(response_id), actor=user(secretariat))
    db.session.commit()

    assert response(response_id).status == "in_review"
    [entry] = entries("response.submitted")
    assert (entry.before, entry.after) == ({"status": "draft"}, {"status": "in_review"})
    with pytest.raises(OperationError):
        operations.submit_response_for_review(response(response_id), actor=user(secretariat))


def test_without_four_eyes_the_author_approves_and_publishes(
        consultation, create_contribution, secretariat, in_request):
    code = create_contribution(consultation)
    saved = save(contribution(code), secretariat)

    operations.approve_response(saved, actor=user(secretariat))
    version = operations.publish_response(saved, actor=user(secretariat))
    db.session.commit()

    assert response(saved.id).status == "published" and version.number == 1
    assert response(saved.id).approved_by_id == secretariat.id


def test_four_eyes_someone_other_than_the_writers_approves_before_publication(
        create_consultation, create_contribution, create_user, secretariat, in_request):
    slug = create_consultation(plan=iv_plan_json(), requires_review=True)
    code = create_contribution(slug)
    editor, approver = (create_user(roles=("secretariat",)) for _ in range(2))
    saved = save(contribution(code), secretariat)
    db.session.commit()

    with pytest.raises(OperationError):  # not approved yet
        operations.publish_response(response(saved.id), actor=user(secretariat))
    with pytest.raises(OperationError):  # by its author
        operations.approve_response(response(saved.id), actor=user(secretariat))
    save(contribution(code), editor, justification=OTHER_JUSTIFICATION)
    db.session.commit()
    for writer in (secretariat, editor):  # neither its author nor its last editor
        with pytest.raises(OperationError):
            operations.approve_response(response(saved.id), actor=user(writer))
    assert response(saved.id).status == "draft"

    operations.approve_response(response(saved.id), actor=user(approver))
    operations.publish_response(response(saved.id), actor=user(secretariat))
    db.session.commit()

    item = response(saved.id)
    assert item.status == "published" and item.approved_by_id == approver.id
    [entry] = entries("response.approved")
    assert entry.actor_id == approver.id and entry.after == {"status": "approved"}


def test_editing_an_approved_response_needs_a_new_approval(
        create_consultation, create_contribution, create_user, secretariat, in_request):
    slug = create_consultation(plan=iv_plan_json(), requires_review=True)
    code = create_contribution(slug)
    approver = create_user(roles=("secretariat",))
    saved = save(contribution(code), secretariat)
    operations.approve_response(saved, actor=user(approver))
    db.session.commit()

    save(contribution(code), secretariat, justification=OTHER_JUSTIFICATION)
    db.session.commit()

    assert response(saved.id).status == "draft" and response(saved.id).approved_by_id is None
    with pytest.raises(OperationError):
        operations.publish_response(response(saved.id), actor=user(secretariat))


def test_publish_response_freezes_a_version_and_tells_the_parts_above(
        consultation, create_contribution, secretariat, in_request):
    code = create_contribution(consultation)
    saved = save(contribution(code), secretariat)
    received = []

    def receiver(sender, version, notify, **_extra):
        received.append((sender.id, version.number, notify))

    with response_published.connected_to(receiver):
        version = operations.publish_response(saved, actor=user(secretariat), notify=False)
    db.session.commit()

    assert received == [(saved.id, 1, False)]
    item = response(saved.id)
    assert item.status == "published" and item.current_version.id == version.id
    assert contribution(code).published_response.id == version.id
    assert (version.outcome, version.justification, version.published_by_id) == (
        "incorporated", JUSTIFICATION, secretariat.id)
    assert [c["number"] for c in version.incorporated_in] == [5]
    [entry] = entries("response.published")
    assert entry.after == {"status": "published", "version": 1}
    with pytest.raises(OperationError):  # published already
        operations.publish_response(item, actor=user(secretariat))


def test_a_published_response_is_refused_when_it_no_longer_meets_the_rules(
        consultation, create_contribution, create_response, secretariat, in_request):
    code = create_contribution(consultation)
    response_id = create_response(code, outcome="incorporated", commitments=(5,),
                                  justification=JUSTIFICATION, publish=False)
    response(response_id).commitments = []  # emptied by hand meanwhile

    with pytest.raises(OperationError):
        operations.publish_response(response(response_id), actor=user(secretariat))


def test_an_update_is_a_new_version_and_the_earlier_one_never_changes(
        consultation, create_contribution, secretariat, in_request):
    code = create_contribution(consultation)
    saved = save(contribution(code), secretariat)
    operations.publish_response(saved, actor=user(secretariat), notify=False)
    db.session.commit()

    save(contribution(code), secretariat, outcome="already_covered",
         justification=OTHER_JUSTIFICATION)
    db.session.commit()
    assert contribution(code).published_response.number == 1  # until published

    operations.publish_response(response(saved.id), actor=user(secretariat), notify=False)
    db.session.commit()

    versions = response(saved.id).versions
    assert [(v.number, v.outcome) for v in versions] == [(1, "incorporated"),
                                                         (2, "already_covered")]
    assert versions[0].justification == JUSTIFICATION
    assert contribution(code).published_response.number == 2
    versions[0].justification = "Reescrita."
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(ResponseVersion, versions[0].id))
    with pytest.raises(RuntimeError):
        db.session.flush()


# --- who is told ----------------------------------------------------------------------

def test_the_author_is_told_once_and_again_when_the_answer_changes(
        consultation, create_contribution, create_user, secretariat, outbox, in_request):
    author = create_user(email="autora@example.pe")
    code = create_contribution(consultation, author=author)
    saved = save(contribution(code), secretariat)
    operations.publish_response(saved, actor=user(secretariat))
    db.session.commit()
    save(contribution(code), secretariat, outcome="already_covered",
         justification=OTHER_JUSTIFICATION)
    operations.publish_response(response(saved.id), actor=user(secretariat))
    db.session.commit()

    first, second = outbox("autora@example.pe")
    assert first.subject == f"Tu aporte {code} ha recibido respuesta"
    assert JUSTIFICATION in first.body and f"/contributions/{code}" in first.body
    assert second.subject == f"Se actualizó la respuesta a tu aporte {code}"
    assert OTHER_JUSTIFICATION in second.body


def test_nobody_is_told_when_publishing_without_notice_or_to_those_who_said_no(
        consultation, create_contribution, create_user, secretariat, moderator, outbox,
        in_request):
    quiet = create_user(email="silencio@example.pe", email_notifications=False)
    hidden_author = create_user(email="oculta@example.pe")
    plain = create_user(email="normal@example.pe")
    codes = {ref.email: create_contribution(consultation, author=ref)
             for ref in (quiet, hidden_author, plain)}
    hide_contribution(contribution(codes["oculta@example.pe"]), actor=user(moderator),
                      reason="spam")
    db.session.commit()
    for email, code in codes.items():
        saved = save(contribution(code), secretariat)
        operations.publish_response(saved, actor=user(secretariat),
                                    notify=email != "normal@example.pe")
    db.session.commit()

    assert [m for m in outbox() if "respuesta" in m.subject] == []


def test_the_author_of_an_offline_contribution_is_told_at_the_address_they_left(
        consultation, create_contribution, secretariat, outbox, in_request):
    code = create_contribution(consultation, channel="written",
                               values={"title": "Carta de la comunidad"},
                               author_email="comunidad@example.pe")

    saved = save(contribution(code), secretariat, outcome="referred", commitment_ids=[],
                 justification="El tema corresponde al gobierno regional. La secretaría "
                               "técnica derivó el aporte.", referred_to="Gobierno Regional")
    operations.publish_response(saved, actor=user(secretariat))
    db.session.commit()

    [message] = outbox("comunidad@example.pe")
    assert code in message.subject and "Gobierno Regional" in message.body


def test_a_group_answer_tells_the_members_it_answers(
        consultation, create_contribution, create_group, create_user, create_response,
        secretariat, outbox, in_request):
    authors = [create_user(email=f"autora{n}@example.pe") for n in range(3)]
    plain, own_draft, own_answer = (create_contribution(consultation, author=a)
                                    for a in authors)
    create_response(own_draft, publish=False)
    create_response(own_answer)  # published without notice
    group_id = create_group(consultation, [plain, own_draft, own_answer])

    saved = save(group(group_id), secretariat, outcome="not_incorporated", commitment_ids=[],
                 justification=OTHER_JUSTIFICATION)
    operations.publish_response(saved, actor=user(secretariat))
    db.session.commit()

    told = {m.recipient for m in outbox() if "respuesta" in m.subject}
    assert told == {"autora0@example.pe", "autora1@example.pe"}  # not the one answered
    assert contribution(plain).published_response.outcome == "not_incorporated"
    assert contribution(own_draft).published_response.outcome == "not_incorporated"
    assert contribution(own_answer).published_response.outcome == "already_covered"


def test_a_contribution_joining_an_answered_group_gets_its_answer_and_its_author_is_told(
        consultation, create_contribution, create_group, create_response, create_user,
        moderator, outbox, in_request):
    newcomer, answered = (create_user(email=f"{name}@example.pe")
                          for name in ("nueva", "respondida"))
    member = create_contribution(consultation)
    answered_group = create_group(consultation, [member], title="Respondido")
    silent_group = create_group(consultation, title="Sin respuesta")
    create_response(group_id=answered_group)
    joining = create_contribution(consultation, author=newcomer)
    had_answer = create_contribution(consultation, author=answered)
    create_response(had_answer)

    group_contribution(contribution(joining), group(silent_group), actor=user(moderator))
    db.session.commit()
    assert outbox("nueva@example.pe") == []  # no answer to tell about
    for code in (joining, had_answer):
        group_contribution(contribution(code), group(answered_group), actor=user(moderator))
    db.session.commit()

    [message] = outbox("nueva@example.pe")
    assert message.subject == f"Tu aporte {joining} ha recibido respuesta"
    assert contribution(joining).published_response.id == \
        group(answered_group).response.current_version.id
    assert outbox("respondida@example.pe") == []  # it had its own answer already


# --- bulk -----------------------------------------------------------------------------

def test_apply_to_responses_is_all_or_nothing(consultation, create_contribution,
                                              create_response, secretariat, in_request):
    first, second = create_contribution(consultation), create_contribution(consultation)
    ids = [create_response(code, outcome="incorporated", commitments=(5,),
                           justification=JUSTIFICATION, publish=False)
           for code in (first, second)]
    response(ids[1]).commitments = []  # the second no longer meets the rules

    with pytest.raises(OperationError):  # the first one was published before that
        operations.apply_to_responses([response(i) for i in ids], action="publish",
                                      actor=user(secretariat))
    db.session.rollback()

    assert db.session.scalar(select(func.count()).select_from(ResponseVersion)) == 0
    assert {response(i).status for i in ids} == {"draft"}
    operations.apply_to_responses([response(i) for i in ids], action="approve",
                                  actor=user(secretariat))
    db.session.commit()
    assert {response(i).status for i in ids} == {"approved"}


@pytest.mark.parametrize("selected,action", [(0, "publish"), (1, "delete"), (1, None)])
def test_apply_to_responses_needs_a_selection_and_a_known_action(
        consultation, create_contribution, create_response, secretariat, in_request,
        selected, action):
    response_id = create_response(create_contribution(consultation), publish=False)

    with pytest.raises(OperationError):
        operations.apply_to_responses([response(response_id)][:selected], action=action,
                                      actor=user(secretariat))


# --- answer templates -----------------------------------------------------------------

def test_save_answer_template_creates_and_changes_one(consultation, secretariat, in_request):
    created = operations.save_answer_template(
        consultation_of(consultation), actor=user(secretariat), title="Fuera de alcance",
        outcome="out_of_scope", justification="No corresponde al plan. Se deriva.")
    db.session.commit()

    changed = operations.save_answer_template(
        consultation_of(consultation), actor=user(secretariat), template=created,
        title="Cualquier resultado", outcome="", justification="Texto nuevo. Otra oración.")
    db.session.commit()

    assert changed.id == created.id and (changed.title, changed.outcome) == (
        "Cualquier resultado", None)
    assert [e.after for e in entries("answer_template.saved")] == [
        {"title": "Fuera de alcance"}, {"title": "Cualquier resultado"}]
    with pytest.raises(OperationError):
        operations.save_answer_template(consultation_of(consultation),
                                        actor=user(secretariat), title="Mala",
                                        outcome="invented", justification="Texto.")


# --- the matrix -----------------------------------------------------------------------

def exported(slug):
    """{code: {column key: value}} of the exported matrix."""
    sheet = load_workbook(BytesIO(export_xlsx(consultation_of(slug)))).active
    rows = list(sheet.iter_rows(values_only=True))
    return {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]}


def test_the_exported_matrix_has_every_contribution_with_the_answer_that_applies(
        consultation, create_contribution, create_group, create_response, moderator,
        in_request):
    grouped, own, hidden = (create_contribution(consultation, body=f"Texto {n}.")
                            for n in ("agrupado", "propio", "oculto"))
    group_id = create_group(consultation, [grouped, own], title="Grupo G")
    create_response(group_id=group_id, outcome="not_incorporated",
                    justification=OTHER_JUSTIFICATION)
    create_response(own, outcome="incorporated", commitments=(5,),
                    justification=JUSTIFICATION, publish=False)  # a draft of its own
    hide_contribution(contribution(hidden), actor=user(moderator), reason="spam")
    db.session.commit()

    rows = exported(consultation)

    assert list(rows) == [grouped, own, hidden]
    assert rows[grouped]["outcome"] == rows[own]["outcome"] == "No incorporado"
    assert rows[grouped]["status"] == "Publicada (grupo)" and rows[grouped]["group"] == "Grupo G"
    assert rows[hidden]["text"] is None and "Ocultado por moderación" in rows[hidden]["state"]
    assert rows[hidden]["outcome"] is None


def test_import_responses_saves_drafts_and_leaves_unchanged_answers_alone(
        consultation, create_contribution, create_response, secretariat, in_request):
    published, new, english, blank = (create_contribution(consultation) for _ in range(4))
    create_response(published, outcome="incorporated", commitments=(5,),
                    justification=JUSTIFICATION)
    rows = [["Code", "Outcome", "Justification", "Incorporated in (commitment numbers)",
             "Referred to"],
            [published, "Incorporado", JUSTIFICATION, "5", ""],  # as it is
            [new.lower(), "no incorporado", OTHER_JUSTIFICATION, "", ""],
            [english, "Partially incorporated", JUSTIFICATION, "5.0; 7", ""],
            [blank, "", "", "", ""]]

    count = import_responses(consultation_of(consultation), xlsx(rows),
                             actor=user(secretariat))
    db.session.commit()

    assert count == 2
    assert contribution(published).own_response.status == "published"
    assert len(contribution(published).own_response.versions) == 1
    assert contribution(new).own_response.status == "draft"
    assert contribution(new).own_response.outcome == "not_incorporated"
    assert [c.number for c in contribution(english).own_response.commitments] == [5, 7]
    assert contribution(blank).own_response is None
    [entry] = entries("responses.imported")
    assert entry.after == {"responses": 2} and entry.actor_id == secretariat.id


def publish_plan_version_2(slug, actor):
    """Publish a second version of the plan, a copy of the first (same commitments, new
    rows), as the secretariat does after the consultation."""
    from consulta.consultations import operations as plan

    consultation = consultation_of(slug)
    plan.ensure_draft_version(consultation, actor=user(actor))
    plan.publish_plan_version(consultation, actor=user(actor), note="Versión final.")
    db.session.commit()


def test_reimporting_an_unchanged_matrix_after_plan_version_2_changes_nothing(
        consultation, create_contribution, create_response, create_user, secretariat,
        outbox, in_request):
    authors = [create_user() for _ in range(3)]
    codes = [create_contribution(consultation, author=a) for a in authors]
    for code in codes[:2]:
        create_response(code, outcome="incorporated", commitments=(5, 7),
                        justification=JUSTIFICATION)
    create_response(codes[2], outcome="referred", referred_to="Gobierno Regional",
                    justification=OTHER_JUSTIFICATION)
    publish_plan_version_2(consultation, secretariat)
    assert contribution(codes[0]).own_response.commitments[0].plan_version.number == 1
    file = export_xlsx(consultation_of(consultation))
    sent_before, saved_before = len(outbox()), len(entries("response.saved"))

    count = import_responses(consultation_of(consultation), file, actor=user(secretariat))
    db.session.commit()

    assert count == 0
    for code in codes:
        answer = contribution(code).own_response
        assert answer.status == "published" and len(answer.versions) == 1
    assert len(entries("response.saved")) == saved_before
    assert len(outbox()) == sent_before  # nobody told of a change that did not happen


def test_a_changed_row_after_plan_version_2_names_the_commitments_of_version_2(
        consultation, create_contribution, create_response, secretariat, in_request):
    same, changed = (create_contribution(consultation) for _ in range(2))
    for code in (same, changed):
        create_response(code, outcome="incorporated", commitments=(5,),
                        justification=JUSTIFICATION)
    publish_plan_version_2(consultation, secretariat)
    rows = [["Código", "Resultado", "Justificación",
             "Incorporado en (números de compromiso)", "Derivado a"],
            [same, "Incorporado", JUSTIFICATION, "5", ""],
            [changed, "Incorporado parcialmente", JUSTIFICATION, "5", ""]]

    count = import_responses(consultation_of(consultation), xlsx(rows),
                             actor=user(secretariat))
    db.session.commit()

    assert count == 1
    assert contribution(same).own_response.status == "published"
    draft = contribution(changed).own_response
    assert (draft.status, draft.outcome) == ("draft", "partially_incorporated")
    assert [(c.number, c.plan_version.number) for c in draft.commitments] == [(5, 2)]


def test_cells_an_outcome_does_not_keep_do_not_make_a_row_a_change(
        consultation, create_contribution, create_response, secretariat, in_request):
    code = create_contribution(consultation)
    create_response(code, outcome="not_incorporated", justification=OTHER_JUSTIFICATION)
    rows = [["Code", "Outcome", "Justification", "Incorporated in (commitment numbers)",
             "Referred to"],
            [code, "Not incorporated", OTHER_JUSTIFICATION, "5", "Gobierno Regional"]]

    assert import_responses(consultation_of(consultation), xlsx(rows),
                            actor=user(secretariat)) == 0
    assert contribution(code).own_response.status == "published"


def test_publishing_an_answer_that_says_the_same_again_tells_nobody(
        consultation, create_contribution, create_user, secretariat, outbox, in_request):
    author = create_user(email="autora@example.pe")
    code = create_contribution(consultation, author=author)
    saved = save(contribution(code), secretariat)
    operations.publish_response(saved, actor=user(secretariat))
    db.session.commit()
    publish_plan_version_2(consultation, secretariat)
    save(contribution(code), secretariat)  # the same answer, saved again
    version = operations.publish_response(response(saved.id), actor=user(secretariat))
    db.session.commit()

    assert version.number == 2
    assert [m.subject for m in outbox("autora@example.pe")] == [
        f"Tu aporte {code} ha recibido respuesta"]


def test_import_responses_refuses_the_whole_file_and_reports_every_row(
        consultation, create_contribution, secretariat, in_request):
    good, *others = (create_contribution(consultation) for _ in range(6))
    rows = [["Código", "Resultado", "Justificación", "Incorporado en (números de compromiso)",
             "Derivado a"],
            [good, "Incorporado", JUSTIFICATION, "5", ""],
            ["APO-1999-999999", "Incorporado", JUSTIFICATION, "5", ""],
            [others[0], "Quizás", JUSTIFICATION, "", ""],
            [others[1], "Incorporado", JUSTIFICATION, "99", ""],
            [others[2], "No incorporado", "Corto.", "", ""],
            [others[3], "Derivado a otra entidad", JUSTIFICATION, "", "x" * 301],
            [others[4], "No incorporado", '=CONCATENATE("a","b")', "", ""],
            [good, "No incorporado", OTHER_JUSTIFICATION, "", ""]]

    with pytest.raises(ImportProblems) as refused:
        import_responses(consultation_of(consultation), xlsx(rows), actor=user(secretariat))
    db.session.rollback()

    assert [row for row, _message in refused.value.problems] == [3, 4, 5, 6, 7, 8, 9]
    messages = dict(refused.value.problems)
    assert "APO-1999-999999" in messages[3] and "Quizás" in messages[4] and "99" in messages[5]
    assert "dos oraciones" in messages[6] and "demasiado larga" in messages[7]
    assert "fórmulas" in messages[8] and "dos veces" in messages[9]
    assert contribution(good).own_response is None and entries("responses.imported") == []


@pytest.mark.parametrize("data,problem", [
    (b"not a spreadsheet", "no es un libro de Excel"),
    ("a sheet without the code column", "Falta la columna"),
])
def test_import_responses_refuses_a_file_it_cannot_read(consultation, secretariat,
                                                        in_request, data, problem):
    if isinstance(data, str):
        data = xlsx([["Resultado", "Justificación"], ["Incorporado", JUSTIFICATION]])

    with pytest.raises(ImportProblems) as refused:
        import_responses(consultation_of(consultation), data, actor=user(secretariat))

    assert problem in refused.value.problems[0][1]
