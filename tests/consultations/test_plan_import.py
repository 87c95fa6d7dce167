"""Plan files: what parse_plan reads and refuses, and the import-plan command."""

import json

import pytest
from sqlalchemy import func, select

from consulta.consultations.models import Commitment
from consulta.consultations.plan_import import PlanFileError, parse_plan
from consulta.extensions import db

from ..conftest import iv_plan_json


def commitments_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Commitment))


def parsed(data):
    return parse_plan(json.dumps(data).encode() if not isinstance(data, bytes) else data)


def test_the_iv_plan_reads_as_nine_components_and_21_commitments(app):
    with app.test_request_context():
        plan = parse_plan(iv_plan_json())
    assert plan["title"] == "IV Plan de Acción de Gobierno Abierto del Perú 2020-2021"
    assert [c["name"] for c in plan["components"]][:3] == ["Infraestructura", "Contrataciones",
                                                           "Salud"]
    assert len(plan["components"]) == 9 and len(plan["commitments"]) == 21
    five = next(c for c in plan["commitments"] if c["number"] == 5)
    assert five["component"] == "Salud"
    # Named in Spanish in the file.
    assert five["principles"] == ["transparency", "accountability"]


def test_commitments_may_be_listed_flat_with_declared_components(app):
    with app.test_request_context():
        plan = parsed({"components": ["Salud", "Educación"], "commitments": [
            {"number": 2, "title": "Becas", "component": "educación", "due": "2027",
             "institution": "MINEDU",
             "principles": ["Rendición de cuentas", "integrity"],
             "actions": [{"description": "Publicar", "start": "2026-03", "end": "2026-12"}]}],
            "sections": [{"title": "Presentación", "body": "Texto."}]})
    assert [c["name"] for c in plan["components"]] == ["Salud", "Educación"]
    [becas] = plan["commitments"]
    assert (becas["component"], becas["due"], becas["responsible"]) == (
        "Educación", "2027", "MINEDU")
    assert becas["principles"] == ["accountability", "integrity"]
    assert becas["actions"] == [{"description": "Publicar", "start": "2026-03",
                                 "end": "2026-12"}]
    assert plan["sections"] == [{"title": "Presentación", "body": "Texto."}]


def test_a_bad_file_is_refused_with_every_problem_at_once(app):
    with app.test_request_context(), pytest.raises(PlanFileError) as refused:
        parsed({"themes": [{"name": "Salud", "commitments": [
            {"number": 1, "title": "a"}, {"number": 1, "title": ""},
            {"number": 2, "title": "c", "due": "pronto", "principles": ["Felicidad"]}]},
            {"name": "SALUD"}]})
    paths = [path for path, _message in refused.value.problems]
    assert paths == ["themes[0].commitments[1].number", "themes[0].commitments[1].title",
                     "themes[0].commitments[2].due", "themes[0].commitments[2].principles[0]",
                     "themes[1].name"]


def test_a_byte_order_mark_is_accepted_and_other_encodings_are_refused(app):
    with app.test_request_context():
        assert len(parse_plan(b"\xef\xbb\xbf" + iv_plan_json())["commitments"]) == 21
        with pytest.raises(PlanFileError) as refused:
            parse_plan("{\"themes\": [{\"name\": \"Educación\"}]}".encode("latin-1"))
    assert refused.value.problems == [("", "El archivo no es texto UTF-8.")]


def test_import_plan_command(app, create_consultation, tmp_path):
    slug = create_consultation()
    path = tmp_path / "plan.json"
    path.write_bytes(iv_plan_json())
    result = app.test_cli_runner().invoke(args=["import-plan", slug, str(path)])
    assert result.exit_code == 0, result.output
    assert "21" in result.output
    assert commitments_count(app) == 21


def test_the_command_refuses_a_bad_file_whole_and_says_why(app, create_consultation,
                                                          tmp_path):
    slug = create_consultation()
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"themes": [{"name": "Salud", "commitments": [
        {"number": 1, "title": "Bien"}, {"number": 1, "title": "Repetido"}]}]}))
    result = app.test_cli_runner().invoke(args=["import-plan", slug, str(path)])
    assert result.exit_code != 0
    assert "themes[0].commitments[1].number" in result.output
    assert "nothing was imported" in result.output
    assert commitments_count(app) == 0
    unknown = app.test_cli_runner().invoke(args=["import-plan", "no-existe", str(path)])
    assert unknown.exit_code != 0 and "no-existe" in unknown.output


@pytest.mark.parametrize("number", ["9" * 4301, "1" + "0" * 40, "1e99999", "NaN", "Infinity",
                                    "-" + "7" * 5000 + ".5"])
def test_every_number_is_bounded_before_conversion(app, number):
    data = ('{"themes": [{"name": "Salud", "commitments": [{"number": '
           + number + ', "title": "T"}]}]}').encode()
    with app.test_request_context(), pytest.raises(PlanFileError) as refused:
        parse_plan(data)
    [(path, message)] = refused.value.problems
    assert path == "" and "número" in message


def test_ordinary_numbers_still_read(app):
    with app.test_request_context():
        plan = parsed({"themes": [{"name": "Salud", "commitments": [
            {"number": 12, "title": "T", "weight": 0.5, "year": 2026}]}]})
    assert [c["number"] for c in plan["commitments"]] == [12]
