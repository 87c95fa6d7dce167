"""Values every template can use."""

from flask import current_app
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from consulta.accounts.constants import LANGUAGE_NAMES, ROLES
from consulta.core.taxonomy import GENDERS, SECTORS, region_name, sector_label


def register_template_globals(app):
    app.jinja_env.globals.update(
        csrf_token=generate_csrf,
        get_locale=get_locale,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        ROLES=ROLES,
        SECTORS=SECTORS,
        GENDERS=GENDERS,
        region_name=region_name,
        sector_label=sector_label,
        site_name=lambda: current_app.config["SITE_NAME"],
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
