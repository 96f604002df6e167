"""Signals other apps listen to, so that mediation needs no knowledge of them (the partner webhooks,
for one). Sent inside the service's transaction: a receiver that talks to the outside world must
defer that work with `transaction.on_commit` or a task."""

from django.dispatch import Signal

# Sent after every step on a case's timeline (registration included), with `dispute`, `transition`
# (a codes.Transition value), `from_status` and `actor`.
dispute_moved = Signal()
