"""What the check-in service talks to besides Kafka: each check-in's record in Redis, claimed before
anything is published (`idempotency`), the visitors' links with their contacts (`visitor_links`), and
what the booking import last published of each booking (`booking_index`)."""
