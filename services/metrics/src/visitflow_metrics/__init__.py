"""visitflow_metrics."""
