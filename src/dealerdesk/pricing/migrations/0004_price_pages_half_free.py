from django.db import migrations

from dealerdesk.core.db import fillfactor

# An ERP batch rewrites most prices at once: at 80 % a page ran out of room within one batch
# and most updates wrote every index again; with half of each page free, every row on a page
# takes its new version in place. Existing pages keep their layout until the table is
# rewritten (VACUUM FULL or pg_repack, in a quiet hour).


class Migration(migrations.Migration):
    dependencies = [
        ("pricing", "0003_price_lookup_by_unique_index"),
    ]

    operations = [
        migrations.RunPython(fillfactor("pricing_price", 50), fillfactor("pricing_price", 80)),
    ]
