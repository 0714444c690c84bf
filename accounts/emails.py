"""The one way the portal sends an e-mail: a template trio rendered in French.

Each e-mail lives in ``templates/emails/<name>/`` as ``subject.txt``,
``body.txt`` and ``body.html``, so every message has a plain-text part for the
readers and filters that need one, and the wording stays out of the code.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

DEFAULT_PORTAL_BASE_URL = "http://127.0.0.1:8000"


def absolute_url(path: str, *, request=None) -> str:
    """An absolute link for an e-mail: from the request when there is one, so it
    matches the address the sender uses, else from the configured portal URL
    (e-mails sent from the shell or a task)."""
    if request is not None:
        return request.build_absolute_uri(path)
    base_url = getattr(settings, "PORTAL_BASE_URL", DEFAULT_PORTAL_BASE_URL)
    return base_url.rstrip("/") + path


def send_templated_email(
    *,
    template: str,
    to: list[str],
    context: dict,
    request=None,
    cc: list[str] | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> int:
    """Render ``templates/emails/<template>/`` and send it; return the number sent.

    ``attachments`` are ``(filename, content, mimetype)`` triples."""
    context = {"portal_url": absolute_url("/", request=request), **context}
    # E-mails may be sent outside a request (shell, Celery): force French. The
    # request only builds links: its context processors (the sender's spaces,
    # messages) have nothing to do in someone else's e-mail.
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{template}/subject.txt", context)
        text = render_to_string(f"emails/{template}/body.txt", context)
        html = render_to_string(f"emails/{template}/body.html", context)
    # A subject is one header line: template newlines would break it.
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    message = EmailMultiAlternatives(subject=subject, body=text, to=to, cc=cc)
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments or ():
        message.attach(filename, content, mimetype)
    return message.send()
