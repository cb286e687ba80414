"""Learning from cases: what keeps going wrong, and whether recoveries work."""

from .page import insights, scope
from .period import Period

__all__ = ["Period", "insights", "scope"]
