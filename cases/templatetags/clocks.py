"""Where a step's clock stands, for rows of cases in lists and dashboards.

`{% step_due case now as due %}` gives the state, its words and badge colour
from the case's stored deadlines (no query), as the case page's clock says
them; include "cases/partials/_clock_badge.html" with badge=due to draw it.
"""

from django import template

from cases.calendar import clock_badge, clock_state
from cases.choices import Step

register = template.Library()


@register.simple_tag
def step_due(case, now) -> dict:
    if case.step == Step.CLOSED:
        return clock_badge("none")
    return clock_badge(
        clock_state(case.step_warn_at, case.step_due_at, now, case.step_paused_at)
    )
