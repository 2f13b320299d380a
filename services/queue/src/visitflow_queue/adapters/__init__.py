"""What the queue service talks to: Kafka and the Redis read model for a batch's decisions (`outbox`),
the live stream's format and name (`frames`), whether Redis holds the whole read model (`projection`),
and the read model rebuilt from Kafka alone (`rebuild`)."""
