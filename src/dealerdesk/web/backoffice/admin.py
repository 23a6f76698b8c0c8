"""Back-office registrations, one module per subdomain (Django autodiscovers this one)."""

from dealerdesk.web.backoffice import (  # noqa: F401 (imported to register)
    admin_access,
    admin_accounts,
    admin_audit,
    admin_catalog,
    admin_delivery,
    admin_integration,
    admin_inventory,
    admin_orders,
    admin_people,
    admin_pricing,
)
