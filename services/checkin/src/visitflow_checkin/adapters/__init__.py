"""What the check-in service talks to besides Kafka: each check-in's record in Redis, claimed before
anything is published (`idempotency`), and what the booking import last published of each booking
(`booking_index`)."""
