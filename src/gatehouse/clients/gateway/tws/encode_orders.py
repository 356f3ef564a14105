"""openOrder and completedOrder, the two long order messages, field for field at server
version 178 (no faProfile, PEG BEST/MID offsets present); everything Gatehouse does not use
is sent unset, as TWS does."""

from __future__ import annotations

from gatehouse.clients.gateway.tws.encode import Message, contract_short
from gatehouse.clients.gateway.tws.messages import Out
from gatehouse.clients.gateway.tws.model import ApiOrder
from gatehouse.clients.gateway.tws.protocol import Field

_PEG_BEST_MID: list[Field] = [None, None, None, None, None]  # minTradeQty … midOffsetAtHalf


def _head(o: ApiOrder) -> list[Field]:
    """action … orderRef, shared by both messages."""
    return [
        o.action,
        o.quantity,
        o.order_type,
        o.lmt_price,
        o.aux_price,
        o.tif,
        o.oca_group,
        o.account,
        "",  # openClose
        0,  # origin: customer
        o.order_ref,
    ]


def open_order(o: ApiOrder) -> Message:
    fields: Message = [Out.OPEN_ORDER, o.order_id, *contract_short(o.contract), *_head(o)]
    fields += [o.client_id, o.perm_id, o.outside_rth, False, 0, ""]  # … hidden, discr., GAT
    fields += ["", "", "", ""]  # sharesAllocation, faGroup, faMethod, faPercentage
    fields += ["", "", "", None, ""]  # modelCode, goodTillDate, rule80A, percentOffset, firm
    fields += [0, "", -1, 0]  # shortSaleSlot, designatedLocation, exemptCode, auctionStrategy
    fields += [None, None, None, None, None]  # startingPrice … stockRangeUpper
    fields += [None, False, False, False, None, o.oca_type]  # displaySize … minQty, ocaType
    fields += [False, False, None]  # eTradeOnly, firmQuoteOnly, nbboPriceCap
    fields += [o.parent_id, 0]  # parentId, triggerMethod
    fields += [None, 0, "", None]  # volatility, volatilityType, dnOrderType, dnAuxPrice
    fields += [False, 0]  # continuousUpdate, referencePriceType
    fields += [o.trail_stop_price, o.trailing_percent, None, None]  # … basisPoints(+Type)
    fields += ["", 0, 0, 0]  # comboLegsDescrip, legs, orderComboLegs, smartComboRoutingParams
    fields += [None, None, None]  # scaleInitLevelSize, scaleSubsLevelSize, scalePriceIncrement
    fields += [""]  # hedgeType
    fields += [False, "", "", False, False]  # optOutSmart, clearing acct/intent, notHeld, dnc
    fields += [""]  # algoStrategy
    fields += [False, False, o.status]  # solicited, whatIf, status
    fields += ["", "", "", "", "", "", "", "", ""]  # margin before/change/after
    fields += [None, None, None, "", ""]  # commission, min, max, currency, warningText
    fields += [False, False]  # randomizeSize, randomizePrice
    fields += [0]  # conditions
    fields += ["", None, o.trail_stop_price, o.lmt_price_offset]  # adjusted type, trigger, …
    fields += [None, None, None, 0]  # adjustedStopPrice … adjustableTrailingUnit
    fields += ["", "", ""]  # softDollarTier name, value, displayName
    fields += [None, False, False, False, False]  # cashQty … usePriceMgmtAlgo
    fields += [None, None, False]  # duration, postToAts, autoCancelParent
    fields += _PEG_BEST_MID
    return fields


def completed_order(o: ApiOrder) -> Message:
    fields: Message = [Out.COMPLETED_ORDER, *contract_short(o.contract), *_head(o)]
    fields += [o.perm_id, o.outside_rth, False, 0, ""]  # permId, RTH, hidden, discr., GAT
    fields += ["", "", ""]  # faGroup, faMethod, faPercentage
    fields += ["", "", "", None, ""]  # modelCode, goodTillDate, rule80A, percentOffset, firm
    fields += [0, "", -1]  # shortSaleSlot, designatedLocation, exemptCode
    fields += [None, None, None, None, None]  # startingPrice … stockRangeUpper
    fields += [None, False, False, None, o.oca_type]  # displaySize, sweep, AON, minQty, ocaType
    fields += [0]  # triggerMethod
    fields += [None, 0, "", None, False, 0]  # volatility … referencePriceType
    fields += [o.trail_stop_price, o.trailing_percent]
    fields += ["", 0, 0, 0]  # comboLegsDescrip, legs, orderComboLegs, smartComboRoutingParams
    fields += [None, None, None, ""]  # scale sizes, scalePriceIncrement, hedgeType
    fields += ["", "", False, False]  # clearingAccount, clearingIntent, notHeld, dnc
    fields += ["", False, o.status]  # algoStrategy, solicited, status
    fields += [False, False, 0]  # randomizeSize, randomizePrice, conditions
    fields += [o.trail_stop_price, o.lmt_price_offset, None, False, False]  # … cashQty, …
    fields += ["", o.filled, 0, False, "", False, False, 0]  # autoCancelDate … parentPermId
    fields += [o.completed_time, o.completed_status]
    fields += _PEG_BEST_MID
    return fields
