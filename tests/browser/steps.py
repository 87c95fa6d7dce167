"""Steps the browser journeys share."""

from urllib.parse import urljoin

import pytest
from playwright.sync_api import expect

from consulta.demo.people import DEMO_PASSWORD


def log_in(page, live_server, email, password=DEMO_PASSWORD):
    """Through the login form, in Spanish; waits until the page says who is in."""
    page.goto(live_server("/login"))
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()


def follow(page, link):
    """Click a link and wait until the page it leads to has loaded.

    A click returns once the browser has acted, maybe before the next page is there: a
    review run then reads the page being left, or axe-core has the document torn down
    under it ("Cannot read properties of null (reading 'documentElement')", CI, once).
    """
    target = urljoin(page.url, link.get_attribute("href"))
    link.click()
    page.wait_for_url(target)


def needs_from(state, *keys):
    """The values an earlier journey of the module left in ``state``; the journey is
    skipped, saying so, when one did not get that far."""
    missing = [key for key in keys if key not in state]
    if missing:
        pytest.skip(f"an earlier journey did not get this far ({', '.join(missing)})")
    return [state[key] for key in keys]
