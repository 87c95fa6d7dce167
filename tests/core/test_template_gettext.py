"""Templates translate through the request's translations, looked up once per request and
locale (issue 16): the same text as Flask-Babel's own callables, in the language in
force at each call."""

from flask import render_template_string
from flask_babel import force_locale

TEMPLATE = ('{{ _("Objective") }}|{{ _("Commitment %(number)s", number=n) }}|'
            '{{ ngettext("%(num)d comment", "%(num)d comments", 2) }}|{{ _("<%(x)s>", x=x) }}')


def test_template_labels_are_translated_and_their_values_escaped(app):
    with app.test_request_context(headers={"Accept-Language": "es"}):
        first = render_template_string(TEMPLATE, n=5, x="<b>")
        again = render_template_string(TEMPLATE, n=6, x="&")
    assert first == "Objetivo|Compromiso 5|2 comentarios|<&lt;b&gt;>"
    assert again == "Objetivo|Compromiso 6|2 comentarios|<&amp;>"


def test_a_forced_locale_inside_a_request_gets_its_own_language_and_back(app):
    """E-mails are rendered in the recipient's language inside someone else's request."""
    with app.test_request_context(headers={"Accept-Language": "es"}):
        before = render_template_string(TEMPLATE, n=1, x="")
        with force_locale("en"):
            english = render_template_string(TEMPLATE, n=1, x="")
        after = render_template_string(TEMPLATE, n=1, x="")
    assert before == after == "Objetivo|Compromiso 1|2 comentarios|<>"
    assert english == "Objective|Commitment 1|2 comments|<>"


def test_outside_a_request_templates_still_translate(app):
    with app.app_context():
        assert render_template_string('{{ _("Objective") }}') in ("Objective", "Objetivo")


def test_python_labels_and_numbers_follow_the_locale_in_force(app):
    """``gettext``, ``_l`` labels and numbers in Python code go through the same memo."""
    from flask_babel import gettext, lazy_gettext

    from consulta.core.i18n import format_number

    label = lazy_gettext("Objective")
    with app.test_request_context(headers={"Accept-Language": "es"}):
        spanish = (gettext("Objective"), str(label), format_number(12345))
        with force_locale("en"):
            english = (gettext("Objective"), str(label), format_number(12345))
        back = (gettext("Objective"), str(label), format_number(12345))
    assert spanish == back == ("Objetivo", "Objetivo", "12.345")
    assert english == ("Objective", "Objective", "12,345")
