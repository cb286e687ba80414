"""Learning from cases: what keeps going wrong, and whether recoveries work."""

from cases.insights.page import insights
from cases.insights.period import Period
from cases.insights.reads import ReportTooSlow, scope

__all__ = ["Period", "ReportTooSlow", "insights", "scope"]
