"""visitflow_checkin."""
