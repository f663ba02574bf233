"""`{% load money %}` then `{{ amount|money:po.currency }}` for an amount in the currency's
decimals, `{{ price|unit_price:po.currency }}` for a unit price (integrations/money.py)."""

from decimal import Decimal

from django import template

from integrations.money import format_money, format_unit_price

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    return format_money(amount, currency)


@register.filter
def unit_price(price: Decimal | None, currency: str) -> str:
    return format_unit_price(price, currency)
