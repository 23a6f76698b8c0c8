"""An ERP simulator that talks to the portal only over HTTP: `dealerdesk erp-sim`."""
