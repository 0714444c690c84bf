import logging
import os
from datetime import timedelta

from celery import Celery, bootsteps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger(__name__)

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class RequeuePdfsOnConnect(bootsteps.StartStopStep):
    """Each time a worker connects to the broker (at start, and again after
    Redis was down), it sends again the PDF jobs still waiting in the database:
    those queued while the broker was unreachable (or lost with a Redis that
    keeps nothing on disk) and those a dead worker left half-rendered. Jobs
    already in the queue get a duplicate message, which finds nothing to do.
    """

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def start(self, c):
        from django.db import connections

        from deliverables.services.rendering import stale_pdfs_requeue

        try:
            sent = stale_pdfs_requeue(queued_for=timedelta(0))
        except Exception:
            logger.exception("Could not requeue the waiting PDF jobs")
        else:
            if sent:
                logger.info("%s waiting PDF job(s) sent again", sent)
        finally:
            # Not shared with the pool's processes forked later.
            connections.close_all()


app.steps["consumer"].add(RequeuePdfsOnConnect)
