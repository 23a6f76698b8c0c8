"""Credit: the dealer's limit against what it owes and has on order.

Exposure = the open balance of issued invoices (the ERP's figure on the company) + the
gross totals of its open orders not yet invoiced, in the company's credit currency. An
order that would take the exposure over the limit follows the company's policy, or the
supplier's default: warn, hold for a manager's approval, or refuse.

Orders in another currency than the credit currency are not counted in the exposure:
Dealerdesk holds no exchange rates (the ERP's balance includes them once invoiced). Such
an order cannot be measured against the limit either, so it passes while the dealer is
within its limit and follows the policy once the dealer is at or over it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum

from dealerdesk.accounts.choices import CreditPolicy
from dealerdesk.accounts.models import Company
from dealerdesk.core.money import round_money
from dealerdesk.ordering.choices import OPEN
from dealerdesk.ordering.models import Order

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CreditPosition:
    limit: Decimal | None
    currency: str
    balance: Decimal
    on_order: Decimal
    policy: str

    @property
    def exposure(self) -> Decimal:
        return self.balance + self.on_order

    @property
    def available(self) -> Decimal | None:
        return None if self.limit is None else self.limit - self.exposure

    def over_with(self, amount: Decimal, currency: str) -> Decimal | None:
        """How far an order of ``amount`` would take the dealer over its limit; None if it
        would not. An order in another currency is over when the dealer already is (by 0
        or more)."""
        if self.limit is None:
            return None
        if currency != self.currency:
            return self.exposure - self.limit if self.exposure >= self.limit else None
        over = self.exposure + amount - self.limit
        return over if over > 0 else None


def effective_policy(company: Company) -> str:
    policy = company.credit_policy or settings.DEALERDESK_CREDIT_POLICY
    return policy if policy in CreditPolicy.values and policy else CreditPolicy.APPROVAL


def credit_position(company: Company) -> CreditPosition:
    """The dealer's credit now (one query for its open orders)."""
    on_order = Order.objects.filter(
        company=company, status__in=OPEN, currency=company.credit_currency
    ).aggregate(total=Sum("total_gross"))["total"]
    return CreditPosition(
        limit=company.credit_limit,
        currency=company.credit_currency,
        balance=company.balance,
        # SQLite sums decimals as floats (5292.45000000000): back to the currency's unit.
        on_order=round_money(on_order or ZERO, company.credit_currency).amount,
        policy=effective_policy(company),
    )


def over_limit_message(position: CreditPosition, over: Decimal) -> str:
    if not over:
        return (
            f"You are at your credit limit of {position.limit:,.2f} {position.currency} "
            f"(owed {position.balance:,.2f}, on order {position.on_order:,.2f})."
        )
    return (
        f"This order takes you {over:,.2f} {position.currency} over your credit limit of "
        f"{position.limit:,.2f} {position.currency} (owed {position.balance:,.2f}, on order "
        f"{position.on_order:,.2f})."
    )
