"""Transactional outbox: messages enqueued in the transaction that caused them, delivered by workers
at least once, in order per destination, paced per destination, and never lost to a crash."""
