"""The sync monitor: per data category, when it last synced, how far behind it is, how busy
and how healthy; SLA breaches raise an alert (e-mail to the supplier's admins and a
``sync.alert`` event for the ERP's or an operator's webhook) and clear themselves.

All figures come from the database (inbound messages, deliveries, orders), so every web and
worker process sees the same ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Max, Min, Q, Sum, Value, When
from django.utils import timezone

from dealerdesk.accounts.choices import StaffRole
from dealerdesk.accounts.models import User
from dealerdesk.core import outbox
from dealerdesk.core.mail import send_email_on_commit
from dealerdesk.integration.choices import Cadence, DeliveryStatus, InboundStatus
from dealerdesk.integration.models import (
    Delivery,
    DeliveryAttempt,
    InboundMessage,
    SyncAlert,
    SyncCategory,
    WorkerHeartbeat,
)
from dealerdesk.integration.models.monitor import SyncCategoryCode
from dealerdesk.ordering.choices import OrderStatus
from dealerdesk.ordering.models import Order

# Orders the ERP has not accepted yet: their age is the lag of "orders out".
AWAITING_ERP = (OrderStatus.PLACED, OrderStatus.SENT_TO_ERP)
INBOUND_CATEGORIES = tuple(code for code in SyncCategoryCode if code != SyncCategoryCode.ORDERS_OUT)
# 1 for a delivery attempt the receiver did not answer with 2xx, else 0.
FAILED_ATTEMPT = Case(
    When(Q(status_code__gte=200, status_code__lt=300), then=Value(0)),
    default=Value(1),
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class CategoryHealth:
    """One row of the monitor."""

    code: str
    label: str
    cadence: str
    sla_minutes: int | None
    last_success_at: dt.datetime | None
    lag_seconds: float | None  # None: never synced
    messages_hour: int
    messages_day: int
    error_rate: float | None  # share of the day's messages (or attempts) that failed
    failed_day: int
    open_alert: SyncAlert | None

    @property
    def breached(self) -> bool:
        if self.sla_minutes is None:
            return False
        if self.lag_seconds is None:
            # Never synced: nothing is late before the ERP's first message (the monitor
            # shows "never"); a fresh installation does not start with alerts.
            return False
        return self.lag_seconds > self.sla_minutes * 60

    @property
    def red(self) -> bool:
        return self.breached or self.open_alert is not None


def categories() -> dict[str, SyncCategory]:
    """Every category's settings; a category without a row gets its defaults (unsaved)."""
    found = {row.code: row for row in SyncCategory.objects.all()}
    return {code: found.get(code) or SyncCategory(code=code) for code in SyncCategoryCode}


def cadence_text(category: SyncCategory) -> str:
    if category.cadence == Cadence.MINUTES and category.cadence_minutes:
        return f"every {category.cadence_minutes} min"
    return str(category.get_cadence_display())


def health(now: dt.datetime | None = None) -> list[CategoryHealth]:
    """The monitor's table, in a fixed number of queries whatever the traffic."""
    now = now or timezone.now()
    hour, day = now - dt.timedelta(hours=1), now - dt.timedelta(days=1)
    settings_by_code = categories()
    inbound = {
        row["category"]: row
        for row in InboundMessage.objects.filter(category__in=INBOUND_CATEGORIES)
        .values("category")
        .order_by()
        .annotate(
            last_success=Max("finished_at", filter=Q(status=InboundStatus.DONE)),
            hour=Count("pk", filter=Q(received_at__gte=hour)),
            day=Count("pk", filter=Q(received_at__gte=day)),
            failed=Count(
                "pk",
                filter=Q(received_at__gte=day)
                & (Q(status=InboundStatus.FAILED) | Q(rejected__gt=0)),
            ),
        )
    }
    alerts = {alert.category: alert for alert in SyncAlert.objects.filter(cleared_at__isnull=True)}
    rows = []
    for code in SyncCategoryCode:
        setting = settings_by_code[code]
        if code == SyncCategoryCode.ORDERS_OUT:
            rows.append(_orders_out(setting, alerts.get(code), now, hour, day))
            continue
        stats: dict[str, Any] = dict(inbound.get(code) or {})
        last = stats.get("last_success")
        day_count = stats.get("day", 0)
        rows.append(
            CategoryHealth(
                code=code,
                label=str(code.label),
                cadence=cadence_text(setting),
                sla_minutes=setting.sla_minutes,
                last_success_at=last,
                lag_seconds=(now - last).total_seconds() if last else None,
                messages_hour=stats.get("hour", 0),
                messages_day=day_count,
                error_rate=(stats.get("failed", 0) / day_count) if day_count else None,
                failed_day=stats.get("failed", 0),
                open_alert=alerts.get(code),
            )
        )
    return rows


def _orders_out(
    setting: SyncCategory,
    alert: SyncAlert | None,
    now: dt.datetime,
    hour: dt.datetime,
    day: dt.datetime,
) -> CategoryHealth:
    """Orders out: the age of the oldest order the ERP has not accepted is the lag."""
    oldest = Order.objects.filter(status__in=AWAITING_ERP).aggregate(oldest=Min("created_at"))[
        "oldest"
    ]
    sent = Delivery.objects.filter(message__topic__startswith="order.").aggregate(
        last=Max("delivered_at"),
        hour=Count("pk", filter=Q(delivered_at__gte=hour)),
        day=Count("pk", filter=Q(delivered_at__gte=day)),
        dead=Count("pk", filter=Q(status=DeliveryStatus.DEAD)),
    )
    attempts = DeliveryAttempt.objects.filter(started_at__gte=day).aggregate(
        total=Count("pk"),
        failed=Sum(FAILED_ATTEMPT),
    )
    total = attempts["total"] or 0
    failed = attempts["failed"] or 0
    code = SyncCategoryCode.ORDERS_OUT
    return CategoryHealth(
        code=code,
        label=str(code.label),
        cadence=cadence_text(setting),
        sla_minutes=setting.sla_minutes,
        last_success_at=sent["last"],
        lag_seconds=(now - oldest).total_seconds() if oldest else 0.0,
        messages_hour=sent["hour"],
        messages_day=sent["day"],
        error_rate=failed / total if total else None,
        failed_day=sent["dead"],
        open_alert=alert,
    )


def queue_depth() -> dict[str, int]:
    """What waits: deliveries not yet delivered, and inbound messages not yet applied."""
    deliveries = Delivery.objects.aggregate(
        pending=Count("pk", filter=Q(status=DeliveryStatus.PENDING)),
        retrying=Count("pk", filter=Q(status=DeliveryStatus.RETRYING)),
        dead=Count("pk", filter=Q(status=DeliveryStatus.DEAD)),
    )
    inbound = InboundMessage.objects.aggregate(
        queued=Count("pk", filter=Q(status=InboundStatus.QUEUED)),
        processing=Count("pk", filter=Q(status=InboundStatus.PROCESSING)),
    )
    return {
        "deliveries_pending": deliveries["pending"],
        "deliveries_retrying": deliveries["retrying"],
        "deliveries_dead": deliveries["dead"],
        "inbound_queued": inbound["queued"],
        "inbound_processing": inbound["processing"],
    }


def failed_attempts() -> int:
    """Delivery attempts ever made that did not get a 2xx answer (a counter for /metrics)."""
    return DeliveryAttempt.objects.filter(
        Q(status_code__isnull=True) | Q(status_code__lt=200) | Q(status_code__gte=300)
    ).count()


def live_workers(now: dt.datetime | None = None) -> list[WorkerHeartbeat]:
    """Workers seen within DEALERDESK_WORKER_STALE_SECONDS."""
    now = now or timezone.now()
    stale = dt.timedelta(seconds=settings.DEALERDESK_WORKER_STALE_SECONDS)
    return list(WorkerHeartbeat.objects.filter(seen_at__gte=now - stale))


# --- alerts ----------------------------------------------------------------------------------


def check_alerts(now: dt.datetime | None = None) -> list[SyncAlert]:
    """Raise an alert for each category newly past its SLA and clear those back within it;
    returns the alerts raised. Run by the worker every minute."""
    raised = []
    for row in health(now):
        if row.breached and row.open_alert is None:
            alert = _raise(row)
            if alert is not None:
                raised.append(alert)
        elif not row.breached and row.open_alert is not None:
            _clear(row.open_alert)
    return raised


def _describe(row: CategoryHealth) -> str:
    if row.lag_seconds is None:
        return f"{row.label}: nothing synced yet (SLA {row.sla_minutes} min)."
    minutes = round(row.lag_seconds / 60)
    if row.code == SyncCategoryCode.ORDERS_OUT:
        return (
            f"{row.label}: an order has waited {minutes} min for the ERP to accept it "
            f"(SLA {row.sla_minutes} min)."
        )
    return f"{row.label}: last synced {minutes} min ago (SLA {row.sla_minutes} min)."


def _raise(row: CategoryHealth) -> SyncAlert | None:
    message = _describe(row)
    with transaction.atomic():
        # One open alert per category even with several workers checking at once.
        if (
            SyncAlert.objects.select_for_update()
            .filter(category=row.code, cleared_at__isnull=True)
            .exists()
        ):
            return None
        alert = SyncAlert.objects.create(category=row.code, message=message[:300])
        outbox.enqueue(
            "sync.alert",
            f"sync:{row.code}",
            {
                "category": row.code,
                "message": message,
                "lag_seconds": row.lag_seconds,
                "sla_minutes": row.sla_minutes,
                "raised_at": alert.raised_at,
            },
        )
        recipients = _admin_emails()
        if recipients:
            send_email_on_commit(
                recipients,
                f"Sync alert: {message}",
                "integration/email/sync_alert.txt",
                {
                    "message": message,
                    "monitor_url": f"{settings.BASE_URL}/backoffice/sync-monitor/",
                    "supplier_name": settings.DEALERDESK_SUPPLIER_NAME,
                },
            )
    return alert


def _clear(alert: SyncAlert) -> None:
    SyncAlert.objects.filter(pk=alert.pk, cleared_at__isnull=True).update(cleared_at=timezone.now())


def _admin_emails() -> list[str]:
    return sorted(
        set(
            User.objects.filter(is_active=True, is_staff=True)
            .filter(Q(is_superuser=True) | Q(staff_profile__role=StaffRole.ADMIN))
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
