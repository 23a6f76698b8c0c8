"""The six sync categories with the cadence and SLA most suppliers start from; admins change
them in the back office."""

from django.db import migrations

DEFAULTS = [
    # code, cadence, cadence_minutes, sla_minutes
    ("products", "daily", None, None),
    ("prices", "realtime", None, None),
    ("stock", "realtime", None, 15),
    ("customers", "realtime", None, None),
    ("orders_out", "realtime", None, 5),
    ("order_statuses", "realtime", None, None),
]


def add_defaults(apps, schema_editor):  # type: ignore[no-untyped-def]
    SyncCategory = apps.get_model("integration", "SyncCategory")
    for code, cadence, minutes, sla in DEFAULTS:
        SyncCategory.objects.get_or_create(
            code=code,
            defaults={"cadence": cadence, "cadence_minutes": minutes, "sla_minutes": sla},
        )


class Migration(migrations.Migration):
    dependencies = [("integration", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
