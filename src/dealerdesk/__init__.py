"""Dealerdesk: a B2B dealer-ordering portal on top of a supplier's ERP."""

__version__ = "0.1.0"
