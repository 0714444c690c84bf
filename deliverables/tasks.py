"""Celery tasks of the deliverables: rendering PDFs in a worker.

Their results live in the ``GeneratedPdf`` rows, never in Celery's result
backend: ``ignore_result`` also keeps a request from waiting on that backend
(Redis) when it is down, so the page can say the PDF will come later.
"""

from celery import shared_task

from deliverables.services.rendering import (
    RENDER_TIME_LIMIT,
    PdfRenderFailed,
    pdf_render,
    stale_pdfs_requeue,
)


@shared_task(
    bind=True,
    ignore_result=True,
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
    # A redelivered message comes back from a worker lost mid-task: it may
    # take over the job that worker left "rendering" (see rendering._claim).
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    pdf_render(pdf_id=pdf_id, retrying=self.request.retries > 0, recovering=redelivered)


@shared_task(ignore_result=True)
def requeue_stale_pdfs_task() -> int:
    return stale_pdfs_requeue()
