"""Second factors: each one module implementing ``base.SecondFactor``, registered here."""

from __future__ import annotations

from gatehouse.domain.identity.login_flow import Factor
from gatehouse.service.identity.factors.base import SecondFactor
from gatehouse.service.identity.factors.card import CardFactor
from gatehouse.service.identity.factors.push import PushFactor
from gatehouse.service.identity.factors.sms import SmsFactor
from gatehouse.service.identity.factors.totp import TotpFactor

REGISTRY: dict[Factor, SecondFactor] = {
    Factor.TOTP: TotpFactor(),
    Factor.SMS: SmsFactor(),
    Factor.CARD: CardFactor(),
    Factor.PUSH: PushFactor(),
}
