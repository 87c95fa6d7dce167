"""Likely personal data in a text: the patterns are data, read from a file."""

import json

import pytest

from consulta.core.personal_data import find_personal_data, label

from ..conftest import make_app


def found(text):
    return [(f.code, f.text) for f in find_personal_data([text])]


@pytest.mark.parametrize("text, expected", [
    ("Mi DNI es 45678912.", [("dni", "45678912")]),
    ("RUC 20123456789 de la empresa", [("ruc", "20123456789")]),
    ("Llamar al 987 654 321 o al +51 912345678", [("phone", "987 654 321"),
                                                  ("phone", "+51 912345678")]),
    ("Teléfono fijo (01) 426-7800", [("phone", "(01) 426-7800")]),
    ("Escribir a rosa.quispe@example.pe", [("email", "rosa.quispe@example.pe")]),
    ("Vivo en Av. Arequipa 1234, Lima", [("address", "Av. Arequipa 1234")]),
    ("Jr. de la Unión N° 456", [("address", "Jr. de la Unión N° 456")]),
])
def test_find_personal_data_names_each_fragment(app, text, expected):
    with app.test_request_context():
        assert found(text) == expected


@pytest.mark.parametrize("text", [
    "En 2026 se invirtieron S/ 1.500.000 en 23 regiones.",
    "El compromiso 12 vence en 2027-03; la meta es 45 %.",
    "Un código 1234-5678 y la norma 29733.",
])
def test_find_personal_data_leaves_ordinary_numbers_alone(app, text):
    with app.test_request_context():
        assert found(text) == []


def test_a_fragment_is_reported_once_under_the_first_pattern(app):
    with app.test_request_context():
        # The RUC holds eight digits that alone would read as a DNI: one finding.
        assert find_personal_data(["RUC 10456789123", None, "otra vez 10456789123"]) == [
            find_personal_data(["10456789123"])[0]]


def test_the_patterns_come_from_the_file_the_settings_name(database_url, tmp_path):
    patterns = tmp_path / "patterns.json"
    patterns.write_text(json.dumps({"patterns": [
        {"code": "cedula", "label": {"es": "cédula", "en": "identity card"},
         "regex": r"\b\d{3}-\d{7}-\d\b"}]}), encoding="utf-8")
    app = make_app(database_url, PERSONAL_DATA_FILE=str(patterns))
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert found("Cédula 001-1234567-8, DNI 45678912") == [("cedula", "001-1234567-8")]
        assert label("cedula") == "cédula"
