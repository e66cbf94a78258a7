"""Messages used by ``parindex.core.jobs`` whose Vietnamese lives in this app's catalogue.

``core.jobs`` is owned by this issue but ``core``'s catalogue is not; Django merges every
app's catalogue, so declaring the msgids here (``gettext_noop``) translates them there.
"""

from django.utils.translation import gettext_noop

CORE_JOB_MESSAGES = (
    gettext_noop("Did not finish: %(label)s"),
    gettext_noop("The operation stopped with an error: %(error)s"),
    gettext_noop("Ready: %(label)s"),
)
