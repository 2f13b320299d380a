"""Runtime adapters shared by the Visitflow services (the event contract lives in visitflow_events)."""
