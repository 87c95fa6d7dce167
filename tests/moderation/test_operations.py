"""Moderation's operations called directly, on contributions made with the factories:
classify (one and many), group, hide and show again, mask, and what each writes in the
audit log."""

import pytest
from sqlalchemy import select

from consulta.audit.models import AuditEntry
from consulta.contributions.models import Tag
from consulta.contributions.operations import search_document_for
from consulta.core import search
from consulta.core.operations import Conflict, OperationError
from consulta.extensions import db
from consulta.moderation import operations
from consulta.moderation.signals import contribution_grouped

from ..conftest import iv_plan_json
from .conftest import consultation_of, contribution, group, user


def entries(action):
    """The audit entries of ``action``, oldest first."""
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


def components(slug):
    return {c.name: c.id for c in consultation_of(slug).components}


def commitments(slug):
    return {c.number: c.id for c in consultation_of(slug).published_commitments}


# --- classification -----------------------------------------------------------------

def test_classify_contribution_sets_every_value_and_records_before_and_after(
        consultation, create_contribution, moderator, in_request):
    code = create_contribution(consultation, kind="proposal")
    health = components(consultation)["Salud"]

    operations.classify_contribution(
        contribution(code), actor=user(moderator), component_id=health,
        principles=["participation", "accountability", "participation"],
        tags=["salud rural", "salud"])
    db.session.commit()

    item = contribution(code)
    assert item.classified_component_id == health and item.classified_commitment_id is None
    assert item.principles == ["participation", "accountability"]  # repeats dropped
    assert [t.name for t in item.tags] == ["salud", "salud rural"]
    assert item.is_classified and item.classified_by_id == moderator.id
    [entry] = entries("contribution.classified")
    assert entry.actor_id == moderator.id and entry.object_id == item.id
    assert entry.consultation_id == item.consultation_id
    assert entry.before == {"component_id": None, "commitment_id": None,
                            "new_commitment": False, "principles": [], "tags": []}
    assert entry.after == {"component_id": health, "commitment_id": None,
                           "new_commitment": False,
                           "principles": ["participation", "accountability"],
                           "tags": ["salud rural", "salud"]}


def test_tags_are_per_consultation_and_reused_within_one(
        consultation, create_consultation, create_contribution, moderator, in_request):
    other = create_consultation(title="Otra consulta", plan=iv_plan_json())
    codes = [create_contribution(consultation), create_contribution(consultation),
             create_contribution(other)]
    for code in codes:
        operations.classify_contribution(contribution(code), actor=user(moderator),
                                         tags=["gobierno digital"])
    db.session.commit()

    tags = db.session.scalars(select(Tag)).all()
    assert len(tags) == 2 and {t.consultation_id for t in tags} == {
        consultation_of(consultation).id, consultation_of(other).id}


def test_normalize_tags_cleans_what_was_typed():
    assert operations.normalize_tags(" Salud, salud rural ;SALUD,, ") == ["salud",
                                                                          "salud rural"]
    assert operations.normalize_tags(None) == []


@pytest.mark.parametrize("values", [
    {"component_id": "another"}, {"commitment_id": "another"}, {"component_id": 999_999},
    {"principles": ["populism"]}, {"tags": ["x" * 61]},
])
def test_classify_contribution_refuses_values_not_of_its_consultation_or_lists(
        consultation, create_consultation, create_contribution, moderator, in_request,
        values):
    other = create_consultation(title="Otra consulta", plan=iv_plan_json())
    code = create_contribution(consultation)
    foreign = {"component_id": consultation_of(other).components[0].id,
               "commitment_id": consultation_of(other).published_commitments[0].id}
    values = {k: foreign[k] if v == "another" else v for k, v in values.items()}

    with pytest.raises(OperationError):
        operations.classify_contribution(contribution(code), actor=user(moderator), **values)
    db.session.rollback()

    assert not contribution(code).is_classified and entries("contribution.classified") == []


def test_classify_contribution_refuses_a_stale_version_with_a_conflict(
        consultation, create_contribution, moderator, create_user, in_request):
    code = create_contribution(consultation)
    opened_on = contribution(code).version
    justice, health = components(consultation)["Justicia"], components(consultation)["Salud"]
    operations.classify_contribution(contribution(code), actor=user(moderator),
                                     component_id=justice, expected_version=opened_on)
    db.session.commit()
    colleague = create_user(roles=("moderator",))

    with pytest.raises(Conflict):
        operations.classify_contribution(contribution(code), actor=user(colleague),
                                         component_id=health, expected_version=opened_on)
    db.session.rollback()

    assert contribution(code).classified_component_id == justice
    assert len(entries("contribution.classified")) == 1


def test_only_a_proposal_about_no_commitment_proposes_a_new_commitment(
        consultation, create_contribution, moderator, in_request):
    proposal, comment, about_five = (
        create_contribution(consultation, kind="proposal"), create_contribution(consultation),
        create_contribution(consultation, kind="proposal"))
    actor = user(moderator)
    operations.classify_contribution(contribution(proposal), actor=actor,
                                     is_new_commitment=True)
    operations.classify_contribution(contribution(comment), actor=actor,
                                     is_new_commitment=True)
    operations.classify_contribution(contribution(about_five), actor=actor,
                                     is_new_commitment=True,
                                     commitment_id=commitments(consultation)[5])
    db.session.commit()

    assert contribution(proposal).is_new_commitment
    assert not contribution(comment).is_new_commitment
    assert not contribution(about_five).is_new_commitment


def test_classify_contributions_keeps_what_it_does_not_set_and_adds_the_rest(
        consultation, create_contribution, moderator, in_request):
    first, second = create_contribution(consultation), create_contribution(consultation)
    health, justice = components(consultation)["Salud"], components(consultation)["Justicia"]
    operations.classify_contribution(contribution(first), actor=user(moderator),
                                     component_id=health, principles=["integrity"],
                                     tags=["anterior"])
    db.session.commit()

    operations.classify_contributions(
        [contribution(first), contribution(second)], actor=user(moderator),
        commitment_id=commitments(consultation)[5], principles=["transparency"],
        tags=["nueva"])
    db.session.commit()

    one, two = contribution(first), contribution(second)
    assert one.classified_component_id == health  # not set in bulk: kept
    assert one.principles == ["integrity", "transparency"]
    assert [t.name for t in one.tags] == ["anterior", "nueva"]
    assert two.classified_component_id is None and two.principles == ["transparency"]
    assert one.classified_commitment_id == two.classified_commitment_id == \
        commitments(consultation)[5]
    assert len(entries("contribution.classified")) == 3  # one per contribution each time

    operations.classify_contributions([contribution(second)], actor=user(moderator),
                                      component_id=justice)
    db.session.commit()
    assert contribution(second).classified_component_id == justice
    assert contribution(second).principles == ["transparency"]


@pytest.mark.parametrize("case", ["none selected", "nothing to apply",
                                  "different consultations", "a bad value"])
def test_classify_contributions_is_all_or_nothing(
        consultation, create_consultation, create_contribution, moderator, in_request, case):
    other = create_consultation(title="Otra consulta", plan=iv_plan_json())
    mine = [create_contribution(consultation), create_contribution(consultation)]
    elsewhere = create_contribution(other)
    selected = {"none selected": [], "different consultations": [*mine, elsewhere]}.get(
        case, mine)
    values = {"nothing to apply": {}, "a bad value": {"tags": ["ok", "x" * 61]}}.get(
        case, {"component_id": components(consultation)["Salud"]})

    with pytest.raises(OperationError):
        operations.classify_contributions([contribution(c) for c in selected],
                                          actor=user(moderator), **values)
    db.session.rollback()

    assert not any(contribution(c).is_classified for c in [*mine, elsewhere])
    assert entries("contribution.classified") == []


# --- groups ---------------------------------------------------------------------------

def test_create_group_with_members_records_the_group_and_each_member(
        consultation, create_contribution, moderator, in_request):
    codes = [create_contribution(consultation) for _ in range(2)]

    created = operations.create_group(
        consultation_of(consultation), actor=user(moderator), title="  Inseguridad  ",
        summary=" Propuestas sobre seguridad. ", members=[contribution(c) for c in codes])
    db.session.commit()

    item = group(created.id)
    assert item.title == "Inseguridad" and item.summary == "Propuestas sobre seguridad."
    assert [c.tracking_code for c in item.members] == codes
    assert item.created_by_id == moderator.id
    [entry] = entries("group.created")
    assert entry.after == {"title": "Inseguridad", "summary": "Propuestas sobre seguridad."}
    grouped = entries("contribution.grouped")
    assert [e.before for e in grouped] == [{"group_id": None}] * 2
    assert [e.after for e in grouped] == [{"group_id": item.id}] * 2


def test_a_group_needs_a_title(consultation, moderator, create_group, in_request):
    with pytest.raises(OperationError):
        operations.create_group(consultation_of(consultation), actor=user(moderator),
                                title="  ")
    group_id = create_group(consultation, title="Grupo")
    with pytest.raises(OperationError):
        operations.update_group(group(group_id), actor=user(moderator), title="", summary="")


def test_update_group_records_before_and_after(consultation, moderator, create_group,
                                               in_request):
    group_id = create_group(consultation, title="Grupo", summary="Antes.")

    operations.update_group(group(group_id), actor=user(moderator), title="Nuevo título",
                            summary="Después.")
    db.session.commit()

    assert group(group_id).title == "Nuevo título"
    [entry] = entries("group.updated")
    assert entry.before == {"title": "Grupo", "summary": "Antes."}
    assert entry.after == {"title": "Nuevo título", "summary": "Después."}


def test_a_contribution_is_in_one_group_at_most_and_can_leave_it(
        consultation, create_contribution, create_group, moderator, in_request):
    code = create_contribution(consultation)
    first = create_group(consultation, [code], title="Primero")
    second = create_group(consultation, title="Segundo")

    operations.group_contribution(contribution(code), group(second), actor=user(moderator))
    db.session.commit()
    assert contribution(code).group_id == second and group(first).members == []
    assert entries("contribution.grouped")[-1].before == {"group_id": first}

    operations.group_contribution(contribution(code), group(second), actor=user(moderator))
    operations.ungroup_contribution(contribution(code), actor=user(moderator))
    operations.ungroup_contribution(contribution(code), actor=user(moderator))
    db.session.commit()

    assert contribution(code).group_id is None
    assert len(entries("contribution.grouped")) == 2  # joining its own group again: nothing
    [left] = entries("contribution.ungrouped")  # leaving no group: nothing
    assert left.before == {"group_id": second} and left.after == {"group_id": None}


def test_a_group_takes_contributions_of_its_own_consultation_only(
        consultation, create_consultation, create_contribution, create_group, moderator,
        in_request):
    other = create_consultation(title="Otra consulta", plan=iv_plan_json())
    code = create_contribution(other)
    group_id = create_group(consultation, title="Grupo")

    with pytest.raises(OperationError):
        operations.group_contribution(contribution(code), group(group_id),
                                      actor=user(moderator))
    db.session.rollback()
    assert contribution(code).group_id is None


def test_grouping_tells_the_parts_above_whether_it_had_an_answer(
        consultation, create_contribution, create_group, create_response, moderator,
        in_request):
    answered, unanswered = create_contribution(consultation), create_contribution(consultation)
    create_response(answered)
    group_id = create_group(consultation, title="Grupo")
    received = []

    def receiver(sender, group, had_answer, **_extra):
        received.append((sender.tracking_code, group.id, had_answer))

    with contribution_grouped.connected_to(receiver):
        for code in (answered, unanswered):
            operations.group_contribution(contribution(code), group(group_id),
                                          actor=user(moderator))

    assert received == [(answered, group_id, True), (unanswered, group_id, False)]


# --- hiding and masking ---------------------------------------------------------------

def test_hide_contribution_keeps_it_with_its_reason_and_tells_its_author(
        consultation, create_contribution, create_user, moderator, outbox, in_request):
    author = create_user(email="autora@example.pe")
    code = create_contribution(consultation, author=author, body="Un texto que ofende.")

    operations.hide_contribution(contribution(code), actor=user(moderator), reason="offensive",
                                 note="  Lenguaje ofensivo.  ")
    db.session.commit()

    item = contribution(code)
    assert item.is_hidden and item.body == "Un texto que ofende."  # never deleted
    assert (item.hidden_reason, item.hidden_note, item.hidden_by_id) == (
        "offensive", "Lenguaje ofensivo.", moderator.id)
    [entry] = entries("contribution.hidden")
    assert entry.before == {"hidden": False}
    assert entry.after == {"hidden": True, "reason": "offensive", "note": "Lenguaje ofensivo."}
    [message] = outbox("autora@example.pe")
    assert message.subject == f"Tu aporte {code} fue ocultado"
    assert "Lenguaje ofensivo o discriminatorio" in message.body
    assert "Lenguaje ofensivo." in message.body and f"/contributions/{code}" in message.body


@pytest.mark.parametrize("reason", ["", "me-cae-mal", None])
def test_hiding_needs_a_reason_from_the_list(consultation, create_contribution, moderator,
                                             outbox, in_request, reason):
    code = create_contribution(consultation)

    with pytest.raises(OperationError):
        operations.hide_contribution(contribution(code), actor=user(moderator), reason=reason)
    db.session.rollback()

    assert not contribution(code).is_hidden and outbox() == []


def test_hiding_twice_or_showing_a_visible_contribution_is_refused(
        consultation, create_contribution, moderator, in_request):
    code = create_contribution(consultation)
    with pytest.raises(OperationError):
        operations.unhide_contribution(contribution(code), actor=user(moderator))
    operations.hide_contribution(contribution(code), actor=user(moderator), reason="spam")
    with pytest.raises(OperationError):
        operations.hide_contribution(contribution(code), actor=user(moderator),
                                     reason="offensive")


def test_unhide_contribution_shows_it_again_and_tells_its_author(
        consultation, create_contribution, create_user, moderator, outbox, in_request):
    author = create_user(email="autora@example.pe")
    code = create_contribution(consultation, author=author)
    operations.hide_contribution(contribution(code), actor=user(moderator), reason="spam",
                                 note="Publicidad.")
    db.session.commit()

    operations.unhide_contribution(contribution(code), actor=user(moderator))
    db.session.commit()

    item = contribution(code)
    assert not item.is_hidden and item.hidden_reason is item.hidden_note is None
    [entry] = entries("contribution.unhidden")
    assert entry.before == {"hidden": True, "reason": "spam", "note": "Publicidad."}
    assert entry.after == {"hidden": False}
    assert [m.subject for m in outbox("autora@example.pe")] == [
        f"Tu aporte {code} fue ocultado", f"Tu aporte {code} vuelve a estar visible"]


def test_the_hide_email_keeps_the_reason_and_the_note_apart(
        consultation, create_contribution, create_user, moderator, outbox, in_request):
    authors = [create_user(email=f"autora{n}@example.pe") for n in range(2)]
    noted, plain = (create_contribution(consultation, author=a) for a in authors)

    operations.hide_contribution(contribution(noted), actor=user(moderator),
                                 reason="offensive", note="Contiene insultos a una persona.")
    operations.hide_contribution(contribution(plain), actor=user(moderator), reason="spam")
    db.session.commit()

    [with_note] = outbox("autora0@example.pe")
    lines = with_note.body.splitlines()
    assert "Motivo: Lenguaje ofensivo o discriminatorio" in lines
    assert "Nota de la moderación: Contiene insultos a una persona." in lines
    [without_note] = outbox("autora1@example.pe")
    assert "Motivo: Spam o publicidad" in without_note.body.splitlines()
    assert "Nota de la moderación" not in without_note.body


def test_author_address_is_who_hiding_tells(consultation, create_contribution, create_user,
                                            moderator, outbox, in_request):
    from consulta.moderation.queries import author_address

    web = create_contribution(consultation, author=create_user(email="web@example.pe"))
    letter = create_contribution(consultation, channel="written", values={"title": "Carta"},
                                 author_email="carta@example.pe")
    sheet = create_contribution(consultation, channel="written", values={"title": "Hoja"},
                                author_name="Vecina de Trujillo")  # typed in, no address
    assert [author_address(contribution(c)) for c in (web, letter, sheet)] == [
        "web@example.pe", "carta@example.pe", None]

    for code in (web, letter, sheet):
        operations.hide_contribution(contribution(code), actor=user(moderator), reason="spam")
    db.session.commit()

    assert sorted(m.recipient for m in outbox()) == ["carta@example.pe", "web@example.pe"]


def test_a_hidden_or_withdrawn_proposal_takes_no_support(
        consultation, create_contribution, create_user, moderator, in_request):
    from consulta.contributions.models import Support
    from consulta.contributions.operations import support_proposal, withdraw_contribution

    author, fan = create_user(), create_user()
    hidden, withdrawn = (create_contribution(consultation, kind="proposal", author=author)
                         for _ in range(2))
    operations.hide_contribution(contribution(hidden), actor=user(moderator), reason="spam")
    withdraw_contribution(contribution(withdrawn), user=user(author))
    db.session.commit()

    for code, message in ((hidden, "Esta propuesta fue ocultada por moderación: no se "
                                   "puede apoyar."),
                          (withdrawn, "Esta propuesta fue retirada por su autor: no se "
                                      "puede apoyar.")):
        with pytest.raises(OperationError) as refused:
            support_proposal(contribution(code), user=user(fan))
        db.session.rollback()
        assert refused.value.message == message
        assert contribution(code).supports_count == 0
    assert db.session.scalars(select(Support)).all() == []
    assert entries("support.given") == []


def test_the_author_of_an_offline_contribution_is_told_at_the_address_they_left(
        consultation, create_contribution, moderator, outbox, in_request):
    code = create_contribution(consultation, channel="written",
                               values={"title": "Carta de la comunidad"},
                               author_email="Comunidad@Example.pe")

    operations.hide_contribution(contribution(code), actor=user(moderator), reason="spam")
    db.session.commit()

    [message] = outbox("comunidad@example.pe")
    assert code in message.subject


def test_mask_contribution_hides_a_piece_of_personal_data_in_public(
        consultation, create_contribution, moderator, in_request):
    # (an extension, not a phone number: nothing is held on the way in)
    body = "Llamen a Rosa Quispe al anexo 4321 para coordinar el taller en quechua."
    code = create_contribution(consultation, body=body)

    operations.mask_contribution(contribution(code), actor=user(moderator),
                                 fragment=" anexo 4321 ")
    operations.mask_contribution(contribution(code), actor=user(moderator),
                                 fragment="Rosa Quispe")
    operations.mask_contribution(contribution(code), actor=user(moderator),
                                 fragment="anexo 4321")  # twice: nothing more
    db.session.commit()

    item = contribution(code)
    assert item.body == body  # the stored text stays as received
    assert item.public("body") == "Llamen a […] al […] para coordinar el taller en quechua."
    assert item.masked_fragments == ["anexo 4321", "Rosa Quispe"]
    # Nobody finds it by searching for what is masked.
    assert item.search_document == search.prepare(search_document_for(item))
    assert "anexo 4321" not in item.search_document and "quispe" not in item.search_document
    audit = entries("contribution.masked")
    assert [(e.before, e.after) for e in audit] == [({"masked": 0}, {"masked": 1}),
                                                    ({"masked": 1}, {"masked": 2})]
    assert not any("anexo 4321" in str(e.before) + str(e.after) for e in audit)


@pytest.mark.parametrize("fragment", ["", "ab", "no aparece en el texto"])
def test_masking_refuses_text_that_is_not_in_the_contribution(
        consultation, create_contribution, moderator, in_request, fragment):
    code = create_contribution(consultation, body="Un comentario sobre el plan.")

    with pytest.raises(OperationError):
        operations.mask_contribution(contribution(code), actor=user(moderator),
                                     fragment=fragment)
    db.session.rollback()

    assert not contribution(code).masked_fragments and entries("contribution.masked") == []


def test_unmask_contribution_shows_everything_again(consultation, create_contribution,
                                                    moderator, in_request):
    code = create_contribution(consultation, body="Pregunten por Rosa Quispe, gracias.")
    operations.unmask_contribution(contribution(code), actor=user(moderator))  # nothing yet
    operations.mask_contribution(contribution(code), actor=user(moderator),
                                 fragment="Rosa Quispe")
    db.session.commit()

    operations.unmask_contribution(contribution(code), actor=user(moderator))
    db.session.commit()

    item = contribution(code)
    assert item.public("body") == item.body and item.masked_fragments == []
    assert "quispe" in item.search_document
    [entry] = entries("contribution.unmasked")
    assert (entry.before, entry.after) == ({"masked": 1}, {"masked": 0})


# --- voided records -----------------------------------------------------------------

def test_a_voided_record_leaves_its_group_and_is_not_moderated(
        consultation, create_contribution, create_group, moderator, in_request):
    from consulta.contributions.operations import void_contribution

    typed = create_contribution(consultation, channel="written")
    other = create_contribution(consultation)
    group_id = create_group(consultation, [typed, other])
    void_contribution(contribution(typed), actor=user(moderator), reason="Ingresado dos veces")
    db.session.commit()
    assert contribution(typed).group_id is None
    assert [c.tracking_code for c in group(group_id).members] == [other]
    [entry] = entries("contribution.voided")
    assert entry.before["group_id"] == group_id and entry.after["group_id"] is None

    voided = f"{typed} se anuló como registro ingresado por error"
    for attempt in (
            lambda: operations.classify_contribution(contribution(typed), actor=user(moderator)),
            lambda: operations.group_contribution(contribution(typed), group(group_id),
                                                  actor=user(moderator)),
            lambda: operations.hide_contribution(contribution(typed), actor=user(moderator),
                                                 reason="offensive")):
        with pytest.raises(OperationError) as refused:
            attempt()
        assert str(refused.value).startswith(voided)
        db.session.rollback()
    assert contribution(typed).group_id is None and not contribution(typed).is_hidden
