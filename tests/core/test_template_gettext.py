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


def test_numbers_and_texts_formatted_together_are_escaped_as_texts(app):
    """Numbers skip Markup's escaping; any other value is still escaped."""
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert render_template_string(
            '{{ _("<%(a)s %(b)s %(c)s>", a=n, b=x, c=flag) }}', n=7, x="<i>", flag=True) \
            == "<7 &lt;i&gt; True>"
        assert render_template_string('{{ ngettext("%(num)d <b>%(x)s</b>", "%(num)d", 1, '
                                      'x=x) }}', x="&") == "1 <b>&amp;</b>"


def test_lazy_labels_are_escaped_and_follow_the_language_in_force(app):
    """A lazy label written on a page (``{{ CHANNELS[code] }}``) is kept for the request,
    per language."""
    from flask_babel import lazy_gettext

    label = lazy_gettext("Objective")
    risky = lazy_gettext("<%(x)s>", x="&")
    template = "{{ label }}|{{ label }}|{{ risky }}"
    with app.test_request_context(headers={"Accept-Language": "es"}):
        spanish = render_template_string(template, label=label, risky=risky)
        with force_locale("en"):
            english = render_template_string(template, label=label, risky=risky)
        back = render_template_string(template, label=label, risky=risky)
    assert spanish == back == "Objetivo|Objetivo|&lt;&amp;&gt;"
    assert english == "Objective|Objective|&lt;&amp;&gt;"
