"""Celery tasks of the deliverables: rendering PDFs in a worker."""

from celery import shared_task

from deliverables.services.rendering import (
    RENDER_TIME_LIMIT,
    PdfRenderFailed,
    pdf_render,
    stale_pdfs_requeue,
)


@shared_task(
    bind=True,
    # A worker killed mid-render leaves the message to another worker.
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=RENDER_TIME_LIMIT - 30,
    time_limit=RENDER_TIME_LIMIT,
    autoretry_for=(PdfRenderFailed,),
    retry_backoff=True,
    max_retries=3,
)
def render_pdf_task(self, pdf_id: int) -> None:
    pdf_render(pdf_id=pdf_id, retrying=self.request.retries > 0)


@shared_task
def requeue_stale_pdfs_task() -> int:
    return stale_pdfs_requeue()
