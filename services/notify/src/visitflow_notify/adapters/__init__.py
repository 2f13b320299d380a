"""What the notify service talks to: the live channels' names in Redis (`scopes`), the notifications
topic (`notifications`), the SMS gateways (`providers`) and their delivery with retries (`sender`). A
visitor's link is `visitflow_platform.visit_links.LinkStore`."""
