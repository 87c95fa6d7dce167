"""Moderators see the name they typed in; the public sees what the author consented to."""

from ..inert import main_content


def test_moderators_see_a_typed_in_name_the_public_does_not(app, consultation,
                                                           create_contribution,
                                                           moderator_login):
    private = create_contribution(consultation, channel="written", body="Carta.",
                                  author_name="Rosa Quispe Mamani")
    public = create_contribution(consultation, channel="written", body="Otra carta.",
                                 author_name="Juan Pérez", author_name_public=True)
    queue = moderator_login.get(f"/consultations/{consultation}/moderation") \
        .get_data(as_text=True)
    assert "Rosa Quispe Mamani" in queue and "nombre no público" in queue
    workspace = moderator_login.get(f"/moderation/{private}").get_data(as_text=True)
    assert "Rosa Quispe Mamani" in workspace
    anonymous = app.test_client()
    page = main_content(anonymous.get(f"/contributions/{private}").get_data(as_text=True))
    assert "Rosa Quispe Mamani" not in page and "Participante" in page
    page = main_content(anonymous.get(f"/contributions/{public}").get_data(as_text=True))
    assert "Juan Pérez" in page
    listing = anonymous.get(f"/consultations/{consultation}/contributions") \
        .get_data(as_text=True)
    assert "Rosa Quispe Mamani" not in listing
