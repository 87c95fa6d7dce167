"""The implementation follow-up of the approved final plan ("and here is how it is
going"): milestones and indicators of each commitment, progress reports with
evidence (draft → review → published), the public tracking page, the standing forum,
followers, and the mid-term and end-of-term self-assessments."""


def init_app(app):
    pass
