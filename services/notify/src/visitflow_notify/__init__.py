"""visitflow_notify."""
