"""Link stage: tag findings with issues, then trace each finding into later inspections."""

from .followup import link_followups
from .tagging import tag_reports

__all__ = ["link_followups", "tag_reports"]
