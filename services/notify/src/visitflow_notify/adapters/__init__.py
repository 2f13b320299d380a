"""What the notify service talks to: the live channels' names in Redis (`scopes`), the notifications
topic (`notifications`), the SMS gateways (`providers`), their delivery with retries (`sender`) and a
visitor's link with its page's acts (`visitor_links`)."""
