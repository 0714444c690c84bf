from celery import shared_task
from django.utils import timezone

from .retention import retention_sweep


@shared_task
def anonymise_working_groups_task() -> int:
    """Daily (Celery beat): the working-group members past their retention time."""
    return len(retention_sweep(today=timezone.localdate()).member_ids)
