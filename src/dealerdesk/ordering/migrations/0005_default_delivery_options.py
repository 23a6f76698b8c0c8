"""One delivery option per method, so that checkout works on a fresh install; staff set
their amounts and conditions in the back office."""

from django.db import migrations

DEFAULTS = [
    ("pickup", "Pickup at the warehouse", "Collect the goods at the warehouse you ordered from."),
    ("supplier", "Our own transport", ""),
    ("carrier", "Carrier", "Shipped with the carrier we work with; tracking follows."),
    ("dropship", "Dropship to your customer", "Sent straight to your customer's address."),
]


def add_defaults(apps, schema_editor):
    DeliveryOption = apps.get_model("ordering", "DeliveryOption")
    if DeliveryOption.objects.exists():
        return
    DeliveryOption.objects.bulk_create(
        DeliveryOption(method=method, name=name, conditions=text, position=index)
        for index, (method, name, text) in enumerate(DEFAULTS)
    )


class Migration(migrations.Migration):
    dependencies = [("ordering", "0004_delivery_options_addresses_lists")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
