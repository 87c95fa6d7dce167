from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from consulta.core.forms import max_length, plausible_date, required, strip
from consulta.core.request_input import database_int


class FinalPlanForm(FlaskForm):
    plan_version = SelectField(_l("Approved version of the plan"), coerce=database_int,
                               validate_choice=False,
                               validators=[required(_l("Choose the approved version."))])
    approval_reference = StringField(
        _l("Approval reference"), filters=[strip],
        validators=[required(_l("Give the reference of the act that approved the plan.")),
                    max_length(300)],
        description=_l("The act that approved the plan, e.g. a ministerial resolution number."))
    approved_on = DateField(_l("Approved on"),
                            validators=[required(_l("Give the day the plan was approved.")),
                                        plausible_date])
    forum_endorsed_on = DateField(_l("Endorsed by the forum on"),
                                  validators=[Optional(), plausible_date])
    forum_endorsement = TextAreaField(
        _l("Forum endorsement"), filters=[strip], validators=[max_length(5000)],
        description=_l("A link to the minutes of the multi-stakeholder forum, or the text of "
                       "its agreement."))
    note = TextAreaField(_l("Public note"), filters=[strip], validators=[max_length(2000)],
                         description=_l("A few sentences shown with the final plan."))

    def fill_choices(self, versions):
        # Plain text, never a lazy string: a lazy label would be rendered unescaped, and
        # the titles are the secretariat's text.
        self.plan_version.choices = [(v.id, _("Version %(number)s: %(title)s",
                                              number=v.number, title=v.title))
                                     for v in versions]
