"""The notify service's live streams in Redis: the worker and the sender write them, the API serves
them (apart, so the API imports neither faust nor the SMS provider's HTTP client)."""

DISPLAY_SCOPE = "display"
COUNSELLOR_SCOPE = "counsellor"
VISITOR_SCOPE = "visitor"  # every visit of an office as the visitors' own pages need them
