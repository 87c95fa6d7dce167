"""Participation windows and consultations recorded after the fact, through the operations.

Live consultations use dates relative to now; those recorded after the fact use fixed
dates of 2016, which do not depend on the clock.
"""

from datetime import date, datetime, time, timedelta

import pytest

from consulta.consultations import operations, queries
from consulta.consultations.models import ParticipationWindow, Phase
from consulta.contributions.operations import NotOpen, ensure_open
from consulta.core.dates import local_to_utc, local_today, utc_to_local, utcnow
from consulta.extensions import db

from ..conftest import iv_plan_json
from .conftest import audit_entries, consultation_of, count, refusal, user_of


@pytest.fixture
def secretariat(create_user):
    return create_user(roles=("secretariat",))


def lima(day, hour=0, minute=0):
    """A moment given in the deployment's zone (America/Lima), in UTC."""
    return local_to_utc(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def past_consultation(app, create_consultation, secretariat):
    """A private consultation that ran from 2 May to 30 June 2016, with its phases."""

    def make(**values):
        with app.test_request_context():
            opens, closes = lima(date(2016, 5, 2), 9), lima(date(2016, 6, 30), 18)
        slug = create_consultation(announced=False, opens_at=opens, closes_at=closes,
                                   actor=secretariat, methodology="Talleres.", **values)
        with app.test_request_context():
            consultation = consultation_of(slug)
            consultation.phases[0].starts_on = date(2016, 5, 2)
            consultation.phases[0].ends_on = date(2016, 6, 30)
            db.session.commit()
        return slug

    return make


def web_windows(consultation):
    return [(w.opens_at, w.closes_at) for w in consultation.windows_of("web")]


# --- windows ------------------------------------------------------------------------------

def test_a_new_consultation_has_one_web_window_for_its_period(app, create_consultation):
    slug = create_consultation(opens_in_days=10, closes_in_days=40)
    with app.test_request_context():
        consultation = consultation_of(slug)
        [window] = consultation.windows
        assert window.channel == "web"
        assert (window.opens_at, window.closes_at) == (consultation.opens_at,
                                                       consultation.closes_at)
        assert window.reason == "" and window.created_by_id == consultation.created_by_id


def test_windows_that_end_before_they_start_are_refused(app, secretariat,
                                                         create_consultation):
    slug = create_consultation(announced=False, opens_in_days=10, closes_in_days=40)
    with app.test_request_context():
        actor = user_of(secretariat)
        start = utcnow() + timedelta(days=50)
        for end in (start, start - timedelta(hours=1)):
            assert "debe terminar después de empezar" in refusal(
                lambda end=end: operations.add_window(
                    consultation_of(slug), actor=actor, channel="workshop", opens_at=start,
                    closes_at=end))
        window = consultation_of(slug).windows[0]
        assert "debe terminar después de empezar" in refusal(lambda: operations.change_window(
            window, actor=actor, opens_at=window.closes_at, closes_at=window.opens_at))
        assert count(ParticipationWindow) == 1
        assert consultation_of(slug).opens_at < consultation_of(slug).closes_at


def test_overlapping_windows_of_a_channel_are_refused(app, secretariat, create_consultation):
    slug = create_consultation(announced=False, opens_in_days=10, closes_in_days=40)
    with app.test_request_context():
        actor, consultation = user_of(secretariat), consultation_of(slug)
        first = consultation.windows[0]
        message = refusal(lambda: operations.add_window(
            consultation_of(slug), actor=actor, channel="web",
            opens_at=first.closes_at - timedelta(days=1),
            closes_at=first.closes_at + timedelta(days=10)))
        assert "se superpone" in message
        assert count(ParticipationWindow) == 1
        consultation = consultation_of(slug)
        first = consultation.windows[0]
        # Touching is not overlapping; another channel may run at the same time.
        second = operations.add_window(consultation, actor=actor, channel="web",
                                       opens_at=first.closes_at,
                                       closes_at=first.closes_at + timedelta(days=5))
        operations.add_window(consultation, actor=actor, channel="workshop",
                              opens_at=first.opens_at, closes_at=second.closes_at)
        db.session.commit()
        # Changing a window onto its neighbour is refused as well.
        assert "se superpone" in refusal(lambda: operations.change_window(
            consultation_of(slug).windows_of("web")[1], actor=actor,
            opens_at=first.closes_at - timedelta(hours=1), closes_at=second.closes_at))
        consultation = consultation_of(slug)
        assert count(ParticipationWindow) == 3
        assert consultation.closes_at == second.closes_at  # the period follows its windows


def test_an_extension_after_the_closing_is_a_new_window_that_does_not_reopen_the_gap(
        app, secretariat, create_consultation):
    slug = create_consultation(opens_in_days=-30, closes_in_days=-5)
    with app.test_request_context():
        actor, consultation = user_of(secretariat), consultation_of(slug)
        old = consultation.windows[0]
        old_span = (old.opens_at, old.closes_at)
        assert consultation.status() == "closed"
        assert "Indica por qué" in refusal(lambda: operations.extend_window(
            consultation_of(slug).windows[0], actor=actor,
            closes_at=utcnow() + timedelta(days=7)))
        before = utcnow()
        new = operations.extend_window(
            consultation_of(slug).windows[0], actor=actor,
            closes_at=utcnow() + timedelta(days=7),
            reason="Pedido de las organizaciones de la sociedad civil")
        db.session.commit()
        consultation = consultation_of(slug)
        [first, second] = consultation.windows_of("web")
        assert (first.opens_at, first.closes_at) == old_span  # the old window is kept
        assert second.id == new.id and second.opens_at >= before
        assert second.reason == "Pedido de las organizaciones de la sociedad civil"
        assert consultation.closes_at == second.closes_at
        assert consultation.status() == "open"
        # The days in between stay closed: the web refuses a contribution in the gap.
        gap = utcnow() - timedelta(days=2)
        assert consultation.window_at(gap, "web") is None
        assert consultation.status(gap) == "closed"
        with pytest.raises(NotOpen):
            ensure_open(consultation, gap)
        ensure_open(consultation)  # and receives now
        [notice] = audit_entries("window.dates_changed")
        assert notice.before is None and notice.actor_id == secretariat.id
        assert notice.after["reason"] == "Pedido de las organizaciones de la sociedad civil"


def test_the_end_of_a_web_window_already_closed_is_not_moved(app, secretariat,
                                                              create_consultation):
    slug = create_consultation(opens_in_days=-30, closes_in_days=-5)
    with app.test_request_context():
        actor, window = user_of(secretariat), consultation_of(slug).windows[0]
        message = refusal(lambda: operations.change_window(
            window, actor=actor, opens_at=window.opens_at,
            closes_at=utcnow() + timedelta(days=3), reason="Ampliación"))
        assert "ya cerró" in message
        assert consultation_of(slug).status() == "closed"


def test_a_web_window_of_a_running_consultation_does_not_start_in_the_past(
        app, secretariat, create_consultation):
    slug = create_consultation(opens_in_days=-30, closes_in_days=-5)
    with app.test_request_context():
        actor = user_of(secretariat)
        assert "no puede empezar en el pasado" in refusal(lambda: operations.add_window(
            consultation_of(slug), actor=actor, channel="web",
            opens_at=utcnow() - timedelta(days=2), closes_at=utcnow() + timedelta(days=5),
            reason="Segunda ventana"))
        assert count(ParticipationWindow) == 1
        # Without a start it opens now.
        window = operations.add_window(consultation_of(slug), actor=actor, channel="web",
                                       closes_at=utcnow() + timedelta(days=5),
                                       reason="Segunda ventana")
        assert abs(window.opens_at - utcnow()) < timedelta(minutes=1)


def test_a_running_web_window_closes_now_but_never_in_the_past(app, secretariat,
                                                              create_consultation):
    slug = create_consultation(opens_in_days=-7, closes_in_days=21)
    with app.test_request_context():
        actor = user_of(secretariat)
        assert "no puede terminar en el pasado" in refusal(lambda: operations.change_window(
            consultation_of(slug).windows[0], actor=actor,
            opens_at=consultation_of(slug).opens_at, closes_at=utcnow() - timedelta(days=1),
            reason="Cierre"))
        # "Now", typed to the minute, is now.
        window = consultation_of(slug).windows[0]
        before = utcnow()
        operations.change_window(window, actor=actor, opens_at=window.opens_at,
                                 closes_at=utcnow() - timedelta(minutes=2),
                                 reason="Se cierra para sistematizar")
        db.session.commit()
        consultation = consultation_of(slug)
        assert consultation.windows[0].closes_at >= before
        assert consultation.closes_at == consultation.windows[0].closes_at
        assert consultation.status() == "closed"


def test_a_change_of_dates_after_the_announcement_needs_a_reason(app, secretariat,
                                                                create_consultation):
    slug = create_consultation(opens_in_days=10, closes_in_days=40)
    with app.test_request_context():
        actor, consultation = user_of(secretariat), consultation_of(slug)
        new_close = consultation.closes_at + timedelta(days=7)
        assert "Indica por qué" in refusal(lambda: operations.update_consultation(
            consultation_of(slug), actor=actor, closes_at=new_close))
        assert audit_entries("window.dates_changed") == []
        operations.update_consultation(consultation_of(slug), actor=actor,
                                       closes_at=new_close, reason="Más tiempo para regiones")
        db.session.commit()
        assert consultation_of(slug).closes_at == new_close
        [notice] = audit_entries("window.dates_changed")
        assert notice.after["closes_at"] == new_close.isoformat()
        assert notice.after["reason"] == "Más tiempo para regiones"


def test_a_change_that_would_orphan_contributions_is_refused(
        app, secretariat, create_consultation, create_contribution):
    slug = create_consultation(opens_in_days=-7, closes_in_days=21, plan=iv_plan_json())
    code = create_contribution(slug)
    with app.test_request_context():
        actor, consultation = user_of(secretariat), consultation_of(slug)
        window = consultation.windows[0]
        span = (window.opens_at, window.closes_at)
        message = refusal(lambda: operations.change_window(
            consultation_of(slug).windows[0], actor=actor,
            opens_at=utcnow() + timedelta(hours=1), closes_at=span[1],
            reason="Se abrió por error"))
        assert "1 aportes recibidos por este canal quedarían fuera" in message
        message = refusal(lambda: operations.update_consultation(
            consultation_of(slug), actor=actor, opens_at=utcnow() + timedelta(hours=1),
            reason="Se abrió por error"))
        assert "quedarían fuera" in message
        consultation = consultation_of(slug)
        assert web_windows(consultation) == [span]
        assert consultation.opens_at == span[0]
        assert audit_entries("window.dates_changed") == []
        # A change that keeps it inside a window is accepted.
        operations.change_window(consultation.windows[0], actor=actor, opens_at=span[0],
                                 closes_at=span[1] - timedelta(days=7),
                                 reason="Se adelanta el cierre")
        db.session.commit()
        assert code


def test_a_phase_that_receives_contributions_must_lie_inside_the_windows(
        app, secretariat, create_consultation):
    slug = create_consultation(announced=False, opens_in_days=10, closes_in_days=40)
    with app.test_request_context():
        actor = user_of(secretariat)
        today = local_today()
        message = refusal(lambda: operations.save_phase(
            consultation_of(slug), actor=actor, name="Talleres", starts_on=today + timedelta(5),
            ends_on=today + timedelta(20), receives_contributions=True))
        assert "no están dentro de una ventana de participación" in message
        assert count(Phase) == 1
        # Outside the windows as an ordinary phase, inside them as one that receives.
        operations.save_phase(consultation_of(slug), actor=actor, name="Sistematización",
                              starts_on=today + timedelta(45), ends_on=today + timedelta(60))
        inside = operations.save_phase(
            consultation_of(slug), actor=actor, name="Talleres",
            starts_on=today + timedelta(12), ends_on=today + timedelta(30),
            receives_contributions=True)
        db.session.commit()
        assert inside.receives_contributions
        # The window cannot then shrink away from it.
        window = consultation_of(slug).windows[0]
        message = refusal(lambda: operations.change_window(
            window, actor=actor, opens_at=window.opens_at,
            closes_at=window.opens_at + timedelta(days=5)))
        assert 'La fase "Talleres" recibe aportes' in message
        assert consultation_of(slug).windows[0].closes_at == window.closes_at


def test_a_web_submission_outside_every_web_window_is_refused(
        app, secretariat, create_consultation, create_contribution):
    slug = create_consultation(opens_in_days=-30, closes_in_days=-1, announced_days_ago=40)
    with app.test_request_context():
        actor, consultation = user_of(secretariat), consultation_of(slug)
        # The web closed yesterday; workshops go on; the web reopens in three days.
        operations.add_window(consultation, actor=actor, channel="web",
                              opens_at=utcnow() + timedelta(days=3),
                              closes_at=utcnow() + timedelta(days=10),
                              reason="Segunda ventana web")
        operations.add_window(consultation, actor=actor, channel="workshop",
                              opens_at=consultation.opens_at,
                              closes_at=utcnow() + timedelta(days=10), reason="Talleres")
        db.session.commit()
        assert consultation_of(slug).status() == "open"  # workshops receive
        assert not consultation_of(slug).accepts_web()
    with pytest.raises(NotOpen) as refused:
        create_contribution(slug)
    assert "la próxima ventana web se abre el" in str(refused.value.message)


# --- recorded after the fact -----------------------------------------------------------

def test_a_past_consultation_is_recorded_after_the_fact_with_its_real_dates(
        app, secretariat, past_consultation):
    slug = past_consultation()
    with app.test_request_context():
        actor = user_of(secretariat)
        before = utcnow()
        operations.record_past_consultation(consultation_of(slug), actor=actor,
                                            announced_on=date(2016, 4, 20),
                                            reference="El Peruano, 2016-04-20")
        db.session.commit()
        consultation = consultation_of(slug)
        assert utc_to_local(consultation.announced_at).date() == date(2016, 4, 20)
        assert consultation.recorded_after_at >= before
        assert consultation.is_recorded_after and consultation.is_public
        assert consultation.announcement_reference == "El Peruano, 2016-04-20"
        assert consultation.status() == "closed"
        # Nothing about it is a change notice.
        assert queries.date_change_notices(consultation) == []
        [entry] = audit_entries("consultation.recorded_after")
        assert entry.after["reference"] == "El Peruano, 2016-04-20"
        assert entry.actor_id == secretariat.id


def test_a_past_record_with_an_announcement_in_the_future_is_refused(
        app, secretariat, past_consultation):
    slug = past_consultation()
    with app.test_request_context():
        message = refusal(lambda: operations.record_past_consultation(
            consultation_of(slug), actor=user_of(secretariat),
            announced_on=local_today() + timedelta(days=1), reference="El Peruano"))
        assert "está en el futuro" in message
        assert consultation_of(slug).announced_at is None


def test_a_past_record_announced_after_the_opening_is_refused(app, secretariat,
                                                             past_consultation):
    slug = past_consultation()
    with app.test_request_context():
        message = refusal(lambda: operations.record_past_consultation(
            consultation_of(slug), actor=user_of(secretariat), announced_on=date(2016, 5, 3),
            reference="El Peruano, 2016-05-03"))
        assert "es posterior a la apertura" in message
        assert consultation_of(slug).announced_at is None
        # The opening day itself is accepted (no notice, but not after).
        operations.record_past_consultation(
            consultation_of(slug), actor=user_of(secretariat), announced_on=date(2016, 5, 2),
            reference="El Peruano, 2016-05-02")
        db.session.commit()
        assert consultation_of(slug).announced_at <= consultation_of(slug).opens_at


def test_a_past_record_needs_a_reference_and_an_ended_participation(
        app, secretariat, past_consultation, create_consultation):
    slug = past_consultation()
    running = create_consultation(announced=False, title="En curso", opens_in_days=-3,
                                  closes_in_days=10)
    with app.test_request_context():
        actor = user_of(secretariat)
        assert "Indica dónde se anunció" in refusal(lambda: operations.record_past_consultation(
            consultation_of(slug), actor=actor, announced_on=date(2016, 4, 20),
            reference="  "))
        assert "aún no ha terminado" in refusal(lambda: operations.record_past_consultation(
            consultation_of(running), actor=actor, announced_on=local_today(),
            reference="Diario oficial"))
        assert consultation_of(slug).announced_at is None
        assert consultation_of(running).announced_at is None


def test_announce_now_keeps_refusing_an_opening_in_the_past(app, secretariat,
                                                           past_consultation):
    slug = past_consultation()
    with app.test_request_context():
        message = refusal(lambda: operations.announce_consultation(
            consultation_of(slug), actor=user_of(secretariat)))
        assert "registra después de realizada" in message
        assert consultation_of(slug).announced_at is None


def test_after_publication_only_real_changes_are_notices(app, secretariat,
                                                         past_consultation):
    slug = past_consultation()
    with app.test_request_context():
        actor = user_of(secretariat)
        # Prepared privately with past windows: no notices.
        operations.add_window(consultation_of(slug), actor=actor, channel="workshop",
                              opens_at=lima(date(2016, 5, 11), 8),
                              closes_at=lima(date(2016, 5, 11), 18))
        operations.record_past_consultation(consultation_of(slug), actor=actor,
                                            announced_on=date(2016, 4, 20),
                                            reference="https://www.gob.pe/aviso")
        db.session.commit()
        assert queries.date_change_notices(consultation_of(slug)) == []
        # A window of a consultation recorded after the fact stays in the past...
        assert "terminan en el pasado" in refusal(lambda: operations.add_window(
            consultation_of(slug), actor=actor, channel="written",
            opens_at=lima(date(2016, 6, 1)), closes_at=utcnow() + timedelta(days=1),
            reason="Aportes escritos"))
        # ... and never before the announcement.
        assert "antes del anuncio" in refusal(lambda: operations.add_window(
            consultation_of(slug), actor=actor, channel="written",
            opens_at=lima(date(2016, 4, 1)), closes_at=lima(date(2016, 6, 1)),
            reason="Aportes escritos"))
        operations.add_window(consultation_of(slug), actor=actor, channel="written",
                              opens_at=lima(date(2016, 5, 12)),
                              closes_at=lima(date(2016, 5, 31)),
                              reason="Aportes escritos del alcalde distrital")
        db.session.commit()
        [change] = queries.date_changes(consultation_of(slug))
        assert change["kind"] == "window" and change["channel"] == "written"
        assert change["reason"] == "Aportes escritos del alcalde distrital"
        assert change["by"] == actor.display_name and change["before"] is None


def test_a_window_of_a_channel_not_used_is_removed_before_the_consultation_is_public(
        app, secretariat, past_consultation):
    """A workshop-only consultation keeps no web window: it is removed before recording."""
    slug = past_consultation()
    with app.test_request_context():
        actor = user_of(secretariat)
        [web] = consultation_of(slug).windows
        # Its only window cannot go.
        assert "al menos una ventana" in refusal(
            lambda: operations.remove_window(web, actor=actor))
        operations.add_window(consultation_of(slug), actor=actor, channel="workshop",
                              opens_at=lima(date(2016, 5, 11)),
                              closes_at=lima(date(2016, 5, 12)))
        db.session.commit()
        # A phase that receives contributions over the whole period is left outside.
        phase = consultation_of(slug).phases[0]
        phase.receives_contributions = True
        db.session.commit()
        web = consultation_of(slug).windows_of("web")[0]
        assert "no están dentro de una ventana" in refusal(
            lambda: operations.remove_window(web, actor=actor))
        consultation_of(slug).phases[0].receives_contributions = False
        db.session.commit()
        operations.remove_window(consultation_of(slug).windows_of("web")[0], actor=actor)
        db.session.commit()
        consultation = consultation_of(slug)
        assert [w.channel for w in consultation.windows] == ["workshop"]
        # The period follows the windows left.
        assert (consultation.opens_at, consultation.closes_at) == (
            lima(date(2016, 5, 11)), lima(date(2016, 5, 12)))
        [entry] = audit_entries("window.removed")
        assert entry.before["channel"] == "web" and entry.actor_id == secretariat.id
        # Once public, windows are a record.
        operations.record_past_consultation(consultation, actor=actor,
                                            announced_on=date(2016, 5, 2),
                                            reference="Convocatoria al taller")
        db.session.commit()
        assert "son un registro" in refusal(lambda: operations.remove_window(
            consultation_of(slug).windows[0], actor=actor))
        assert count(ParticipationWindow) == 1
