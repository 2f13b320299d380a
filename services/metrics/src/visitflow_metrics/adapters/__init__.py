"""What the metrics service talks to: the Redis read model (`store`), the history topic (`history`), the
consumer lag (`lag`), Prometheus (`exporter`) and the API's reads of the read model (`overview`)."""
