"""Background work of the partner side, run by the task worker (`fengqiao worker`)."""

from django_tasks import task


@task()
def deliver_webhook(delivery_id: int) -> str:
    """One attempt at a webhook delivery; a failed attempt queues the next one itself."""
    from .webhooks import deliver

    return deliver(delivery_id)
