"""visitflow_devstack."""
