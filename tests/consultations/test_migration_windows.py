"""The migration that adds participation windows gives existing rows correct values."""

from datetime import UTC, date, datetime

from flask_migrate import upgrade
from sqlalchemy import bindparam, select, text

from consulta.consultations.models import Consultation, ParticipationWindow, Phase
from consulta.core.models import UTCDateTime
from consulta.extensions import db

from ..conftest import _test_database, make_app

BEFORE_WINDOWS = "7a4e0c5d2b61"


def test_each_existing_consultation_gets_its_period_as_one_web_window(tmp_path_factory):
    url, drop = _test_database(tmp_path_factory)
    app = make_app(url)
    opens = datetime(2016, 5, 2, 14, 0, tzinfo=UTC)
    closes = datetime(2016, 6, 30, 23, 0, tzinfo=UTC)
    try:
        with app.app_context():
            upgrade(revision=BEFORE_WINDOWS)
            moment = bindparam("moment", type_=UTCDateTime)
            db.session.execute(text(
                "INSERT INTO consultations (slug, title, summary, description, scope, "
                "organizer, methodology, channels, opens_at, closes_at, announced_at, "
                "created_at, updated_at) VALUES ('la-libertad-2016', 'La Libertad', 'R.', "
                "'', 'national', 'Gobierno Regional', '', '[\"workshop\"]', :opens, :closes, "
                ":opens, :moment, :moment)").bindparams(
                    bindparam("opens", type_=UTCDateTime),
                    bindparam("closes", type_=UTCDateTime), moment),
                {"opens": opens, "closes": closes, "moment": closes})
            db.session.execute(text(
                "INSERT INTO phases (consultation_id, position, name, starts_on, ends_on, "
                "description) SELECT id, 1, 'Taller', '2016-05-11', '2016-05-11', '' "
                "FROM consultations"))
            db.session.commit()
            upgrade()
            consultation = db.session.scalar(select(Consultation))
            [window] = db.session.scalars(select(ParticipationWindow)).all()
            assert window.consultation_id == consultation.id
            assert (window.channel, window.opens_at, window.closes_at) == ("web", opens,
                                                                           closes)
            assert window.reason == "" and window.created_by_id is None
            assert (consultation.recorded_after_at, consultation.announcement_reference) == (
                None, None)
            phase = db.session.scalar(select(Phase))
            assert phase.receives_contributions is False
            assert phase.starts_on == date(2016, 5, 11)
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()
        drop()
