"""The long select widget: the same HTML as WTForms' own, choices kept or not."""

import pytest
from wtforms import Form, SelectField
from wtforms.widgets import Select

from consulta.core.forms import KeptChoices, LongSelect
from consulta.core.request_input import database_int

CHOICES = [(0, "Ninguno"), (7, '7. Datos <abiertos> & "trazables"'), (12, "12. Salud"),
           (3, "3. Otro")]


def rendered(widget, choices, data):
    class Classify(Form):
        commitment = SelectField(coerce=database_int, validate_choice=False, default=0,
                                 widget=widget)

    form = Classify(data={"commitment": data})
    form.commitment.choices = choices
    return str(form.commitment(**{"aria-describedby": "hint"}))


@pytest.mark.parametrize("data", [0, 7, 12, 3, 99, None])
def test_a_long_select_writes_what_wtforms_writes(data):
    expected = rendered(Select(), list(CHOICES), data)

    assert rendered(LongSelect(), list(CHOICES), data) == expected
    assert rendered(LongSelect(), KeptChoices(CHOICES), data) == expected


def test_kept_choices_are_written_once_and_select_each_render_its_own():
    kept = KeptChoices(CHOICES)
    first = rendered(LongSelect(), kept, 12)
    written = kept._written

    assert rendered(LongSelect(), kept, 7) == rendered(Select(), list(CHOICES), 7)
    assert rendered(LongSelect(), kept, 12) == first
    assert kept._written is written  # written once, never changed by a render
    assert first.count("selected") == 1
    assert '<option selected value="12">12. Salud</option>' in first
    assert "7. Datos &lt;abiertos&gt; &amp; &#34;trazables&#34;" in first
