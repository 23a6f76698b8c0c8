"""Indexes for searching products by words of the name or an SKU prefix, on PostgreSQL.

Django's ``icontains``/``istartswith`` become ``UPPER(col) LIKE UPPER(%s)``: a GIN trigram
index on ``UPPER(name)`` serves the words anywhere in the name, a btree with
``text_pattern_ops`` on ``UPPER(sku)`` the prefix. SQLite has neither index type; there the
migration does nothing.
"""

from django.db import migrations

INDEXES = {
    "catalog_product_name_trgm": "USING gin (UPPER(name) gin_trgm_ops)",
    "catalog_product_sku_prefix": "(UPPER(sku) text_pattern_ops)",
}


def create(apps, schema_editor):  # noqa: ARG001
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON catalog_product {expression}"
        )


def drop(apps, schema_editor):  # noqa: ARG001
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
