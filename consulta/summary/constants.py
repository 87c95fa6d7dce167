from flask_babel import lazy_gettext as _l

IRM_VERDICTS = {
    "met": _l("Met"),
    "partly_met": _l("Partly met"),
    "not_met": _l("Not met"),
}

#: What a redacted field (or fragment) reads in the stored rows, the API and the
#: exports; the pages and the PDF show it in the reader's language (``REDACTED_LABEL``).
REDACTED = "[redactado: datos personales]"
REDACTED_LABEL = _l("[redacted: personal data]")

#: Why a field was redacted, as the public log says it.
REASONS = {
    "hidden": _l("contribution hidden by moderation"),
    "masked": _l("personal data masked by moderation"),
    "account_erased": _l("account of the author erased"),
    "name_withdrawn": _l("the author withdrew consent to show their name"),
    "author_erased": _l("the author's data erased at their request"),
}


def redacted_text(value):
    """A stored row's text with ``REDACTED`` in the reader's language."""
    if isinstance(value, str) and REDACTED in value:
        return value.replace(REDACTED, str(REDACTED_LABEL))
    return value


