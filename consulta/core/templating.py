"""What every template can use from the ground floor; each part adds its own names in
its ``init_app`` (its constants with their translated labels, its drawing helpers)."""

from datetime import date, datetime

from flask import current_app
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from .dates import utc_to_local
from .personal_data import label as personal_data_label
from .sanitize import render_markdown
from .taxonomy import (
    GENDERS,
    level_label,
    privacy_notice,
    region_label,
    region_name,
    regions,
    sector_label,
    sectors,
    timezone_label,
)


def register_template_globals(app):
    app.jinja_env.globals.update(
        csrf_token=generate_csrf,
        get_locale=get_locale,
        regions=regions,
        sectors=sectors,
        GENDERS=GENDERS,
        region_name=region_name,
        region_label=region_label,
        sector_label=sector_label,
        personal_data_label=personal_data_label,
        level_label=level_label,
        timezone_label=timezone_label,
        privacy_notice=privacy_notice,
        site_name=lambda: current_app.config["SITE_NAME"],
    )
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["local"] = utc_to_local
    app.jinja_env.filters["parse_iso"] = datetime.fromisoformat
    app.jinja_env.filters["parse_date"] = date.fromisoformat
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
