"""The final plan ("we did"): the approved version of the plan, traced to the
contributions that shaped each commitment and to the consulted draft, and every
contributor told what became of their input."""

from consulta.consultations.signals import consultation_page
from consulta.contributions.signals import contribution_page
from consulta.feedback.signals import response_published

from .constants import CHANGE_KINDS
from .operations import record_landing_of_response
from .pages import final_plan_on_the_consultation, landing_on_the_contribution
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    app.jinja_env.globals.update(CHANGE_KINDS=CHANGE_KINDS)
    consultation_page.connect(final_plan_on_the_consultation)
    contribution_page.connect(landing_on_the_contribution)
    # A response published after the final plan: where it landed is stored at once.
    response_published.connect(record_landing_of_response)
