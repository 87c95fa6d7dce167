from flask_babel import lazy_gettext as _l

IRM_VERDICTS = {
    "met": _l("Met"),
    "partly_met": _l("Partly met"),
    "not_met": _l("Not met"),
}
