"""An ERP simulator that talks to the portal only over HTTP: ``dealerdesk erp-sim``.

``config`` reads the file ``seed-demo`` writes; ``state`` holds the sales orders, the
webhook-ids applied and the messages still to send; ``webhooks`` verifies and applies the
portal's signed webhooks; ``server`` is the HTTP face (``/webhooks``, ``/status``,
``/control/down|up``); ``lifecycle`` confirms, invoices (``invoice`` renders the PDF), ships
and delivers orders and moves prices and stock; ``portal`` gets the OAuth2 token and sends
each message until the portal takes it; ``simulator`` puts them together; ``cli`` runs it.
"""
