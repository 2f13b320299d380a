"""What the metrics service talks to: the Redis read model (`store`), the history topic (`history`), the
consumer lag (`lag`) and Prometheus (`exporter`)."""
