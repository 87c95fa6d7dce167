"""Values every template can use."""

from datetime import date, datetime

from flask import current_app
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from consulta.accounts.constants import LANGUAGE_NAMES, ROLES
from consulta.audit.constants import ACTIONS as AUDIT_ACTIONS
from consulta.consultations.constants import CHANNELS, EVENT_KINDS, PRINCIPLES, SCOPES, STATUSES
from consulta.contributions.constants import HIDE_REASONS, KINDS
from consulta.core.dates import utc_to_local
from consulta.core.sanitize import render_markdown
from consulta.core.taxonomy import GENDERS, SECTORS, region_name, regions, sector_label
from consulta.feedback.constants import OUTCOME_ICONS, OUTCOMES
from consulta.feedback.constants import STATUSES as RESPONSE_STATUSES
from consulta.summary.charts import bar_chart, column_chart, figure_rows
from consulta.summary.constants import IRM_VERDICTS


def register_template_globals(app):
    app.jinja_env.globals.update(
        csrf_token=generate_csrf,
        get_locale=get_locale,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        ROLES=ROLES,
        SCOPES=SCOPES,
        CHANNELS=CHANNELS,
        PRINCIPLES=PRINCIPLES,
        CONSULTATION_STATUSES=STATUSES,
        CONTRIBUTION_KINDS=KINDS,
        HIDE_REASONS=HIDE_REASONS,
        OUTCOMES=OUTCOMES,
        OUTCOME_ICONS=OUTCOME_ICONS,
        RESPONSE_STATUSES=RESPONSE_STATUSES,
        IRM_VERDICTS=IRM_VERDICTS,
        AUDIT_ACTIONS=AUDIT_ACTIONS,
        bar_chart=bar_chart,
        column_chart=column_chart,
        figure_rows=figure_rows,
        EVENT_KINDS=EVENT_KINDS,
        regions=regions,
        SECTORS=SECTORS,
        GENDERS=GENDERS,
        region_name=region_name,
        sector_label=sector_label,
        site_name=lambda: current_app.config["SITE_NAME"],
    )
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["local"] = utc_to_local
    app.jinja_env.filters["parse_iso"] = datetime.fromisoformat
    app.jinja_env.filters["parse_date"] = date.fromisoformat
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
