"""What the dealer is told after lines of a past order or a list went to the cart."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest

from dealerdesk.ordering.cart import ReorderReport


def report_to_dealer(request: HttpRequest, report: ReorderReport, source: str) -> None:
    """``source`` names where the lines came from: "DD-0000012", "“Weekly restock”"."""
    if report.added:
        messages.success(
            request, f"{len(report.added)} line(s) of {source} are in your cart at today's prices."
        )
    for sku, why in report.unavailable:
        messages.warning(request, f"{sku} was not added: {why}")
    for sku, then, now in report.repriced:
        messages.info(request, f"{sku} now costs {now:.2f} {report.currency} (was {then:.2f}).")
