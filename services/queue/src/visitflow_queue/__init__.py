"""visitflow_queue."""
