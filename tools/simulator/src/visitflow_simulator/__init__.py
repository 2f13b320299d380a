"""visitflow_simulator."""
