"""Second factors: each one module implementing ``base.SecondFactor``, registered here."""

from __future__ import annotations

from gatehouse.domain.login_flow import Factor
from gatehouse.service.factors.base import SecondFactor
from gatehouse.service.factors.card import CardFactor
from gatehouse.service.factors.push import PushFactor
from gatehouse.service.factors.sms import SmsFactor
from gatehouse.service.factors.totp import TotpFactor

REGISTRY: dict[Factor, SecondFactor] = {
    Factor.TOTP: TotpFactor(),
    Factor.SMS: SmsFactor(),
    Factor.CARD: CardFactor(),
    Factor.PUSH: PushFactor(),
}
