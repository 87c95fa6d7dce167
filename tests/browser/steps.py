"""Steps the browser journeys share."""

from playwright.sync_api import expect

from consulta.demo.people import DEMO_PASSWORD


def log_in(page, live_server, email, password=DEMO_PASSWORD):
    """Through the login form, in Spanish; waits until the page says who is in."""
    page.goto(live_server("/login"))
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
