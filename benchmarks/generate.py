"""Fill a database with a realistic national-scale consultation, through bulk inserts.

    python benchmarks/generate.py sqlite:///instance/bench.db --contributions 50000
    python benchmarks/generate.py postgresql://postgres@127.0.0.1/bench --contributions 5000

The database is emptied first (SQLite file removed; PostgreSQL schema dropped).
"""

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import bindparam, func, insert, select, text, update

_WORDS = ("transparencia participación ciudadana integridad rendición cuentas información "
         "pública gobierno regional local municipalidad salud educación obras contratación "
         "presupuesto acceso datos abiertos vigilancia control social seguridad ambiente agua "
         "saneamiento mujeres jóvenes comunidades indígenas rurales servicios trámites digital "
         "plataforma portal indicadores seguimiento evaluación capacitación funcionarios "
         "corrupción denuncias quejas medicamentos precios colegios infraestructura justicia "
         "sentencias programas sociales padrones minería monitoreo consulta compromiso plan "
         "acción propuesta implementación entidades sociedad civil academia sector privado")
WORDS = _WORDS.split()
SECTORS = ("citizen", "civil_society", "academia", "private_sector", "national_government",
           "regional_government", "local_government", "international_cooperation", "other")
REGIONS = ("amazonas", "ancash", "apurimac", "arequipa", "ayacucho", "cajamarca", "callao",
           "cusco", "huancavelica", "huanuco", "ica", "junin", "la-libertad", "lambayeque",
           "lima-metropolitana", "lima-region", "loreto", "madre-de-dios", "moquegua", "pasco",
           "piura", "puno", "san-martin", "tacna", "tumbes", "ucayali")
CHANNELS = ("web",) * 6 + ("workshop", "work_table", "email", "written")
OUTCOMES = ("incorporated", "partially_incorporated", "already_covered", "not_incorporated",
            "out_of_scope", "referred")
PRINCIPLES = ("transparency", "participation", "integrity", "accountability")


def sentence(rng, low, high):
    words = rng.choices(WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def paragraph(rng, sentences):
    return " ".join(sentence(rng, 8, 18) for _ in range(sentences))


def batched(rows, size=5000):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


#: The participant named reporter of some commitments (inprocess.py logs in as them).
REPORTER = 6


def followup(session, rng, consultation, actor, participants):
    """The approved final plan (the consulted version, unchanged), a milestone per action
    row of each commitment, reports on most of them (published, through the operations:
    the audit log and the stored current status as in real use), a draft report of the
    reporter's, and the standing forum with its members, two meetings and observations.
    """
    from consulta.core.dates import local_today
    from consulta.finalplan.operations import publish_final_plan, save_final_plan
    from consulta.followup import forum
    from consulta.followup import operations as followup_ops
    from consulta.models import PlanVersion, User

    version = session.scalar(select(PlanVersion).where(
        PlanVersion.consultation_id == consultation.id).order_by(PlanVersion.number.desc()))
    today = local_today()
    final_plan = save_final_plan(
        consultation, actor=actor, plan_version_id=version.id,
        approval_reference="Resolución de referencia N.° 001 (benchmark)",
        approved_on=today, forum_endorsed_on=today,
        forum_endorsement="Acta de referencia.", note="Plan aprobado de referencia.")
    publish_final_plan(final_plan, actor=actor, notify=False)
    reporter = session.get(User, min(REPORTER, participants))
    statuses = ("completed", "in_progress", "delayed", "in_progress", "not_started")
    published = []
    for n, commitment in enumerate(final_plan.commitments):
        milestones = followup_ops.seed_milestones(commitment, actor=actor)
        if n % 10 == 0:
            followup_ops.add_reporter(commitment, actor=actor, email=reporter.email)
        if n % 5 == 4:
            continue  # not reported yet
        status = statuses[n % len(statuses)]
        percent = {"completed": 100, "in_progress": rng.randint(10, 90),
                   "delayed": rng.randint(0, 40), "not_started": 0}[status]
        for number in range(2 if n % 3 == 0 else 1):
            report = followup_ops.start_report(commitment, actor=actor)
            followup_ops.save_report(
                report, actor=actor, as_of=today, narrative=paragraph(rng, 4),
                milestones={m.id: {"status": status, "percent": str(percent),
                                   "reason": sentence(rng, 6, 12)
                                   if status == "delayed" else ""} for m in milestones})
            followup_ops.add_link(report, actor=actor, title="Evidencia",
                                  url=f"https://example.org/evidencia/{n}/{number}")
            followup_ops.submit_report(report, actor=actor)
            followup_ops.publish_report(report, actor=actor)
            published.append(report)
        if n % 10 == 0:  # the reporter's next report, a draft
            followup_ops.start_report(commitment, actor=reporter)
    for n in range(12):
        forum.save_member(consultation, actor=actor, name=f"Integrante {n + 1}",
                          organization=f"Organización {n + 1}", sector=SECTORS[n % 4],
                          role="member", side=("government", "civil_society")[n % 2],
                          starts_on=today)
    for n in range(2):
        forum.save_meeting(consultation, actor=actor, held_on=today, place="Sede",
                           attendance=10 + n, agenda=paragraph(rng, 2))
    for report in published[::7]:
        forum.post_observation(report, actor=actor, body=paragraph(rng, 2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("--contributions", type=int, default=50_000)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--organizations", type=int, default=500)
    parser.add_argument("--commitments", type=int, default=200)
    parser.add_argument("--components", type=int, default=9)
    parser.add_argument("--events", type=int, default=8)
    parser.add_argument("--supports", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    started = time.perf_counter()
    rng = random.Random(args.seed)

    url = args.database_url
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)

    from flask_migrate import upgrade

    from consulta import create_app
    from consulta.accounts.passwords import hash_password
    from consulta.core import search
    from consulta.extensions import db
    from consulta.feedback.operations import recount_coverage_tallies
    from consulta.feedback.queries import answered_now
    from consulta.models import (
        Commitment,
        Component,
        Consultation,
        Contribution,
        ContributionGroup,
        ContributionTag,
        Entity,
        Event,
        EventAttendance,
        Organization,
        Phase,
        PlanVersion,
        Response,
        ResponseVersion,
        Support,
        Tag,
        User,
        UserRole,
    )
    from consulta.moderation.operations import recount_tallies
    from consulta.summary.operations import publish_summary

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_SEND_ASYNC": False},
                     environ={"CONSULTA_ENV": "testing"})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        session = db.session
        now = datetime.now(UTC)
        closes = now - timedelta(hours=1)
        opens = closes - timedelta(days=60)
        password = hash_password("benchmark-password-2026")

        print(f"users ({args.participants})…", flush=True)
        users = [{"id": i, "email": f"p{i}@bench.example", "password_hash": password,
                  "display_name": f"Participante {i}", "sector": rng.choice(SECTORS),
                  "region": rng.choice(REGIONS),
                  "gender": rng.choice(("female", "male", None, "female", "male", "other")),
                  "show_name_publicly": rng.random() < 0.4, "email_notifications": True,
                  "privacy_accepted_at": opens, "privacy_version": "2026-11",
                  "email_confirmed_at": opens, "created_at": opens,
                  "session_token": f"{i:032x}"} for i in range(1, args.participants + 1)]
        for chunk in batched(users):
            session.execute(insert(User), chunk)
        session.execute(insert(UserRole), [{"user_id": 1, "role": "secretariat",
                                            "granted_at": opens}])
        session.execute(insert(Organization), [
            {"id": i, "name": f"Organización {i}", "sector": rng.choice(SECTORS),
             "region": rng.choice(REGIONS), "status": "approved", "created_at": opens}
            for i in range(1, args.organizations + 1)])

        entity = Entity(slug="sgtd", name="Secretaría de Gobierno y Transformación Digital",
                        level="national", created_at=opens)
        session.add(entity)
        session.flush()
        consultation = Consultation(
            entity_id=entity.id, slug="consulta-nacional",
            title="Consulta nacional del V Plan de Gobierno Abierto",
            summary="Consulta de referencia para medir el rendimiento.",
            description=paragraph(rng, 6), scope="national", organizer="Secretaría de "
            "Gobierno y Transformación Digital", forum_name="Comisión Multisectorial",
            methodology=paragraph(rng, 3), channels=["web", "workshop", "work_table", "email",
                                                       "written"],
            opens_at=opens, closes_at=closes, announced_at=opens - timedelta(days=21),
            created_at=opens - timedelta(days=30), created_by_id=1)
        session.add(consultation)
        session.flush()
        for n, name in enumerate(("Publicación del borrador", "Recepción de aportes",
                                  "Talleres descentralizados", "Sistematización"), start=1):
            session.add(Phase(consultation_id=consultation.id, position=n, name=name,
                              starts_on=(opens + timedelta(days=15 * (n - 2))).date(),
                              ends_on=(opens + timedelta(days=15 * (n - 1))).date()))
        components = []
        for n in range(args.components):
            component = Component(consultation_id=consultation.id, position=n + 1,
                                  name=f"Eje {n + 1}: {rng.choice(WORDS).capitalize()}")
            session.add(component)
            components.append(component)
        plan = PlanVersion(consultation_id=consultation.id, number=1, title="V Plan",
                           published_at=opens - timedelta(days=21), created_at=opens)
        session.add(plan)
        session.flush()
        commitment_rows = [{
            "plan_version_id": plan.id, "component_id": components[i % len(components)].id,
            "number": i + 1, "title": sentence(rng, 8, 16), "summary": "",
            "problem": paragraph(rng, 2), "objective": sentence(rng, 8, 16),
            "responsible": "Entidad responsable", "co_responsible": [], "actions": [
                {"description": sentence(rng, 5, 10), "start": "2027-01", "end": "2027-12"}],
            "due": "2027-12", "principles": [rng.choice(PRINCIPLES)]}
            for i in range(args.commitments)]
        session.execute(insert(Commitment), commitment_rows)
        commitment_ids = session.scalars(select(Commitment.id).where(
            Commitment.plan_version_id == plan.id).order_by(Commitment.number)).all()
        event_ids = []
        for n in range(args.events):
            event = Event(consultation_id=consultation.id, kind="workshop",
                          title=f"Taller {n + 1}", held_on=(opens + timedelta(days=7 * n)).date(),
                          place="Local comunal", region=rng.choice(REGIONS), created_at=opens)
            session.add(event)
            session.flush()
            event_ids.append(event.id)
            for sector in rng.sample(SECTORS, 4):
                participants = rng.randint(5, 40)
                session.add(EventAttendance(event_id=event.id, sector=sector,
                                            participants=participants,
                                            women=rng.randint(0, participants)))
        session.flush()

        # The tallies (contribution_tallies, coverage_tallies, commitment_tallies) are
        # kept by row triggers on contributions. On PostgreSQL, one transaction of
        # 200,000 inserts and as many updates of a few tally rows piles up those rows'
        # versions, and each update walks them (quadratic: 10,000 updates of one row
        # 1 s, 50,000 15 s; the 200k database took over an hour with the coverage
        # tallies on): off for the bulk load, recounted at its end.
        # The final plan's traces are kept by row triggers on contributions and
        # responses too: no final plan exists during the load (it is made after the
        # commit below), so they would add nothing, but each of the 40,000 responses'
        # updates ran their statements on tables never analyzed (the 50k database did
        # not finish in 35 minutes): off as well.
        tally_triggers = [*(("contributions", f"contribution_tallies_{event}")
                            for event in ("insert", "update", "delete")),
                          ("contributions", "coverage_tallies_keep"),
                          ("contributions", "commitment_tallies_keep"),
                          *(("contributions", f"final_plan_traces_contribution_{event}")
                            for event in ("insert", "update", "delete")),
                          *(("responses", f"final_plan_traces_response_{event}")
                            for event in ("insert", "update", "delete"))]
        if db.engine.dialect.name == "postgresql":
            for table, trigger in tally_triggers:
                session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))

        print(f"contributions ({args.contributions})…", flush=True)
        rows, fts = [], []
        first_id = 1
        for i in range(args.contributions):
            cid = first_id + i
            kind = "proposal" if i % 5 == 0 else "comment"
            channel = rng.choice(CHANNELS)
            web = channel == "web"
            created = opens + timedelta(seconds=rng.randint(0, 60 * 86400))
            title = sentence(rng, 5, 12) if kind == "proposal" or not web else None
            problem = paragraph(rng, 2) if kind == "proposal" else ""
            objective = sentence(rng, 8, 16) if kind == "proposal" else ""
            body = paragraph(rng, rng.randint(1, 5))
            component = components[rng.randrange(len(components))].id
            commitment = rng.choice(commitment_ids) if kind == "comment" else None
            # One comment in 25 answers a proposal already sent (the threads of a
            # proposal page), the others a commitment of the draft.
            parent = None
            if kind == "comment" and i % 25 == 1 and i > 5:
                parent, commitment = first_id + 5 * rng.randrange(i // 5), None
            document = "\n".join(x for x in (title or "", problem, objective, body) if x)
            rows.append({
                "id": cid, "tracking_code": f"APO-{created.year}-{cid:06d}",
                "consultation_id": consultation.id, "kind": kind, "channel": channel,
                "author_id": rng.randint(1, args.participants) if web else None,
                "entered_by_id": None if web else 1,
                "organization_id": rng.randint(1, args.organizations)
                if web and rng.random() < 0.1 else None,
                "author_name": None if web else f"Autor {cid}",
                "author_name_public": False, "sector": rng.choice(SECTORS),
                "region": rng.choice(REGIONS),
                "event_id": rng.choice(event_ids) if channel == "workshop" else None,
                "target": None if kind == "proposal" else
                ("proposal" if parent else "commitment"), "parent_id": parent,
                "plan_version_id": plan.id, "commitment_id": commitment,
                "component_id": component if kind == "proposal" else None,
                "title": title, "problem": problem, "objective": objective, "body": body,
                "co_responsible": [], "actions": [], "search_document": search.prepare(document),
                "supports_count": 0, "created_at": created, "received_at": created,
                "principles": [],
                "masked_fragments": [], "is_new_commitment": False, "version": 1,
            })
            if db.engine.dialect.name == "sqlite":
                fts.append({"rowid": cid, "content": " ".join(search.stems(document))})
        for chunk in batched(rows):
            session.execute(insert(Contribution), chunk)
        for chunk in batched(fts):
            session.execute(text("INSERT INTO contributions_fts (rowid, content) "
                                 "VALUES (:rowid, :content)"), chunk)

        print("classification, groups, supports, responses…", flush=True)
        ids = [r["id"] for r in rows]
        classified = rng.sample(ids, int(len(ids) * 0.9))
        by_id = {r["id"]: r for r in rows}
        table = Contribution.__table__
        classify = (update(table).where(table.c.id == bindparam("cid"))
                    .values(classified_at=bindparam("at"),
                            classified_component_id=bindparam("component"),
                            classified_commitment_id=bindparam("commitment"),
                            principles=bindparam("principles")))
        for chunk in batched(classified):
            session.execute(classify, [{
                "cid": cid, "at": closes,
                "component": by_id[cid]["component_id"] or components[0].id,
                "commitment": by_id[cid]["commitment_id"],
                "principles": [rng.choice(PRINCIPLES)]} for cid in chunk])
        # Moderators tag as they classify: half the classified ones get one to three
        # of 40 tags (the queue loads a page's tags; their join once cost every link).
        tags = [Tag(consultation_id=consultation.id, name=f"tema-{n:02}") for n in range(40)]
        session.add_all(tags)
        session.flush()
        links = {(cid, tag.id) for cid in rng.sample(classified, len(classified) // 2)
                 for tag in rng.sample(tags, rng.randint(1, 3))}
        for chunk in batched(sorted(links)):
            session.execute(insert(ContributionTag), [
                {"contribution_id": cid, "tag_id": tag_id} for cid, tag_id in chunk])
        grouped = rng.sample(ids, int(len(ids) * 0.1))
        group_rows = [{"id": g + 1, "consultation_id": consultation.id,
                       "title": sentence(rng, 4, 8), "summary": "", "created_at": closes}
                      for g in range(max(len(grouped) // 5, 1))]
        session.execute(insert(ContributionGroup), group_rows)
        group = update(table).where(table.c.id == bindparam("cid")).values(
            group_id=bindparam("group"))
        for chunk in batched(grouped):
            session.execute(group, [{"cid": cid, "group": 1 + n % len(group_rows)}
                                    for n, cid in enumerate(chunk)])
        proposals = [r["id"] for r in rows if r["kind"] == "proposal"]
        pairs = set()
        while len(pairs) < min(args.supports, len(proposals) * args.participants // 2):
            pairs.add((rng.choice(proposals), rng.randint(1, args.participants)))
        support_rows = [{"contribution_id": c, "user_id": u, "created_at": closes}
                        for c, u in pairs]
        for chunk in batched(support_rows):
            session.execute(insert(Support), chunk)
        session.execute(text(
            "UPDATE contributions SET supports_count = (SELECT count(*) FROM supports "
            "WHERE supports.contribution_id = contributions.id)"))
        answered = rng.sample(ids, int(len(ids) * 0.8))
        response_rows, version_rows = [], []
        for n, cid in enumerate(answered, start=1):
            outcome = rng.choice(OUTCOMES)
            justification = paragraph(rng, 2)
            incorporated = [] if outcome not in OUTCOMES[:2] else [
                {"id": commitment_ids[0], "number": 1, "title": "Compromiso 1"}]
            response_rows.append({
                "id": n, "consultation_id": consultation.id, "contribution_id": cid,
                "outcome": outcome, "justification": justification,
                "referred_to": "Otra entidad" if outcome == "referred" else None,
                "status": "published", "author_id": 1, "created_at": closes,
                "updated_at": closes, "last_edited_by_id": 1, "version": 1})
            version_rows.append({
                "id": n, "response_id": n, "number": 1, "outcome": outcome,
                "justification": justification,
                "referred_to": "Otra entidad" if outcome == "referred" else None,
                "incorporated_in": incorporated, "published_at": closes,
                "published_by_id": 1})
        for chunk in batched(response_rows):
            session.execute(insert(Response), chunk)
        for chunk in batched(version_rows):
            session.execute(insert(ResponseVersion), chunk)
        session.execute(text("UPDATE responses SET current_version_id = id"))
        # The stored "answered" the feedback operations keep (published ones answer).
        session.execute(update(Contribution).values(answered=answered_now())
                        .execution_options(synchronize_session=False))
        # The audit log such a consultation leaves: one entry per classification and per
        # published response (the audit page and the date notices read it).
        session.execute(text(
            "INSERT INTO audit_entries (created_at, actor_id, action, object_type, "
            "object_id, consultation_id) SELECT classified_at, 1, 'contribution.classified', "
            "'contribution', id, consultation_id FROM contributions "
            "WHERE classified_at IS NOT NULL ORDER BY id"))
        session.execute(text(
            "INSERT INTO audit_entries (created_at, actor_id, action, object_type, "
            "object_id, consultation_id) SELECT updated_at, 1, 'response.published', "
            "'response', id, consultation_id FROM responses ORDER BY id"))
        if db.engine.dialect.name == "postgresql":
            recount_tallies()
            recount_coverage_tallies()
            for table, trigger in tally_triggers:
                session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))
            for table in ("users", "organizations", "contributions", "contribution_groups",
                          "responses", "response_versions"):
                session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"))
        session.commit()
        generated = time.perf_counter() - started

        print("publishing the summary…", flush=True)
        start = time.perf_counter()
        with app.test_request_context():
            actor = session.get(User, 1)
            consultation = session.get(Consultation, consultation.id)
            publish_summary(consultation, actor=actor)
            session.commit()
        published = time.perf_counter() - start

        print("final plan and a year of follow-up…", flush=True)
        with app.test_request_context():
            followup(session, rng, session.get(Consultation, consultation.id),
                     session.get(User, 1), args.participants)
            session.commit()
        if db.engine.dialect.name == "postgresql":
            session.commit()
            # VACUUM (not only ANALYZE) sets the visibility map: counts can then be
            # answered from indexes alone, as on a server that has run autovacuum.
            with db.engine.connect() as conn:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                conn.execute(text("VACUUM ANALYZE"))
        else:
            session.execute(text("PRAGMA optimize"))
            session.commit()
        count = session.scalar(select(func.count()).select_from(Contribution))
    print(f"done: {count} contributions in {generated:.1f} s; summary published in "
          f"{published:.1f} s")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("CONSULTA_ENV", "testing")
    sys.exit(main())
