"""The application object (consulta/__init__.py)."""


def test_plain_functions_and_methods_run_as_they_are_and_coroutines_go_to_flask(app):
    def view():
        return "ok"

    class Hooks:
        def after(self, response):
            return response

    hooks = Hooks()
    assert app.ensure_sync(view) is view
    assert app.ensure_sync(hooks.after) == hooks.after

    async def asynchronous_view():
        return "ok"

    # Flask's own judgement: wrapped to run in a loop, or refused without asgiref.
    try:
        wrapped = app.ensure_sync(asynchronous_view)
    except RuntimeError as error:
        assert "async" in str(error)
    else:
        assert wrapped is not asynchronous_view
        assert wrapped() == "ok"
