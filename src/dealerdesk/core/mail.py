"""Outgoing e-mail: rendered now, sent by a task once the transaction commits."""

from __future__ import annotations

from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django_tasks import task


@task()
def deliver_email(recipients: list[str], subject: str, body: str) -> int:
    """Send one plain-text e-mail; the task backend retries and records failures."""
    return send_mail(subject, body, None, recipients, fail_silently=False)


def send_email_on_commit(
    recipients: list[str], subject: str, template: str, context: dict[str, Any]
) -> None:
    """Queue an e-mail that goes out only if the surrounding transaction commits."""
    body = render_to_string(template, context)
    clean_subject = " ".join(subject.split())
    transaction.on_commit(lambda: deliver_email.enqueue(recipients, clean_subject, body))
