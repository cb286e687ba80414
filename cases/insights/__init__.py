"""Learning from cases: what keeps going wrong, and whether recoveries work."""

from cases.insights.page import insights, scope
from cases.insights.period import Period

__all__ = ["Period", "insights", "scope"]
