"""Dealerdesk's public REST API (OpenAPI 3.1), one router per domain."""
