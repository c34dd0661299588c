"""Business refusals as values.

A refusal is a `Rejected(reason, params)`; the transport maps each `Reason` to a wire code, HTTP
status and message in exactly one table (`sandex.transport.okx.errors`). Exceptions are for bugs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Reason(StrEnum):
    # --- request shape -------------------------------------------------------------------------
    PARAM_EMPTY = "param_empty"  # params: field
    PARAM_ERROR = "param_error"  # params: field
    EITHER_PARAM_REQUIRED = "either_param_required"  # params: field, other
    PARAMS_CONFLICT = "params_conflict"  # params: field, other
    PARAM_COUNT_EXCEEDED = "param_count_exceeded"  # params: field, limit
    BODY_EMPTY = "body_empty"
    BODY_TOO_LARGE = "body_too_large"  # params: field ("body"), limit (bytes)
    JSON_SYNTAX = "json_syntax"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_FOUND = "not_found"
    ENDPOINT_UNSUPPORTED = "endpoint_unsupported"  # params: what ("GET /api/v5/..." sandex does not serve)
    ACCOUNT_MODE_UNSUPPORTED = "account_mode_unsupported"  # params: what (a margin/derivatives request)
    HOST_NOT_SERVED = "host_not_served"  # params: host (the Host header names no served host)
    ALGO_TYPE_NOT_SERVED = "algo_type_not_served"  # params: ord_type (an OKX algo type sandex does not run)
    # --- service state -------------------------------------------------------------------------
    SERVICE_UNAVAILABLE = "service_unavailable"
    SYSTEM_BUSY = "system_busy"
    SYSTEM_ERROR = "system_error"
    RATE_LIMITED = "rate_limited"
    SUBACCOUNT_RATE_LIMITED = "subaccount_rate_limited"
    FEATURE_UNAVAILABLE_IN_DEMO = "feature_unavailable_in_demo"
    # --- request authentication (checked in this order) ----------------------------------------
    KEY_HEADER_MISSING = "key_header_missing"
    SIGN_HEADER_MISSING = "sign_header_missing"
    TIMESTAMP_HEADER_MISSING = "timestamp_header_missing"
    PASSPHRASE_HEADER_MISSING = "passphrase_header_missing"
    TIMESTAMP_INVALID = "timestamp_invalid"
    TIMESTAMP_EXPIRED = "timestamp_expired"
    KEY_INVALID = "key_invalid"  # revoked, expired or malformed key
    KEY_NOT_FOUND = "key_not_found"
    KEY_FROZEN = "key_frozen"
    ENVIRONMENT_MISMATCH = "environment_mismatch"
    IP_NOT_ALLOWED = "ip_not_allowed"  # params: ip
    PASSPHRASE_INCORRECT = "passphrase_incorrect"
    SIGNATURE_INVALID = "signature_invalid"
    PERMISSION_DENIED = "permission_denied"
    IP_BINDING_REQUIRED = "ip_binding_required"
    USER_BLOCKED = "user_blocked"
    # --- accounts and identity -----------------------------------------------------------------
    EMAIL_INVALID = "email_invalid"
    EMAIL_TAKEN = "email_taken"
    PASSWORD_WEAK = "password_weak"  # params: rule
    LOGIN_FAILED = "login_failed"
    LOGIN_LOCKED = "login_locked"  # params: retry_after (seconds)
    USER_NOT_FOUND = "user_not_found"
    ACCOUNT_FROZEN = "account_frozen"
    TOTP_REQUIRED = "totp_required"
    TOTP_INVALID = "totp_invalid"
    TOTP_ALREADY_ENABLED = "totp_already_enabled"
    TOTP_NOT_ENABLED = "totp_not_enabled"
    EMAIL_CODE_REQUIRED = "email_code_required"
    EMAIL_CODE_INVALID = "email_code_invalid"
    EMAIL_CODE_EXPIRED = "email_code_expired"
    EMAIL_CODE_EXHAUSTED = "email_code_exhausted"
    EMAIL_CODE_TOO_FREQUENT = "email_code_too_frequent"  # params: retry_after (seconds)
    SUBACCOUNT_NAME_INVALID = "subaccount_name_invalid"
    SUBACCOUNT_NAME_TAKEN = "subaccount_name_taken"
    SUBACCOUNT_NOT_FOUND = "subaccount_not_found"
    MASTER_ONLY = "master_only"
    # --- API keys ------------------------------------------------------------------------------
    KEY_LIMIT_REACHED = "key_limit_reached"
    KEY_LABEL_TAKEN = "key_label_taken"
    KEY_LABEL_INVALID = "key_label_invalid"
    KEY_IP_LIMIT = "key_ip_limit"
    KEY_IP_INVALID = "key_ip_invalid"  # params: ip
    SUBACCOUNT_CANNOT_WITHDRAW = "subaccount_cannot_withdraw"
    PASSPHRASE_FORMAT = "passphrase_format"
    KEY_DOES_NOT_EXIST = "key_does_not_exist"
    KEY_PERMISSION_INVALID = "key_permission_invalid"  # params: perm
    WITHDRAW_NEEDS_IP_BINDING = "withdraw_needs_ip_binding"
    KEY_EXPIRY_INVALID = "key_expiry_invalid"
    KEY_NOT_PENDING = "key_not_pending"
    KEY_DESCRIPTION_INVALID = "key_description_invalid"  # params: limit
    # --- trading (exchange core) ---------------------------------------------------------------
    INSTRUMENT_NOT_FOUND = "instrument_not_found"
    INSTRUMENT_SUSPENDED = "instrument_suspended"
    INSUFFICIENT_BALANCE = "insufficient_balance"  # params: ccy
    CLORDID_EXISTS = "clordid_exists"
    ORDER_BELOW_MIN = "order_below_min"
    LOT_SIZE = "lot_size"
    TICK_SIZE = "tick_size"
    PRICE_EMPTY = "price_empty"
    BATCH_TOO_LARGE = "batch_too_large"  # params: limit
    ORDER_NOT_FOUND = "order_not_found"
    CANCEL_FAILED = "cancel_failed"
    AMEND_FAILED = "amend_failed"
    AMEND_NOTHING = "amend_nothing"
    AMEND_POST_ONLY = "amend_post_only"
    PENDING_ORDERS_LIMIT = "pending_orders_limit"  # per instrument; params: limit
    ACCOUNT_ORDERS_LIMIT = "account_orders_limit"  # across the account's instruments; params: limit
    FOK_NOT_FILLABLE = "fok_not_fillable"
    MARKET_ORDER_TOO_LARGE = "market_order_too_large"
    ORDER_SIZE_TOO_LARGE = "order_size_too_large"  # above the instrument's maxLmtSz; params: limit
    REQUEST_EXPIRED = "request_expired"  # the expTime header is already past: nothing was done
    # --- algo orders ---------------------------------------------------------------------------
    ALGO_CLORDID_EXISTS = "algo_clordid_exists"
    STOP_ORDERS_LIMIT = "stop_orders_limit"  # params: limit
    TRIGGER_ORDERS_LIMIT = "trigger_orders_limit"  # params: limit
    TRAILING_ORDERS_LIMIT = "trailing_orders_limit"  # params: limit
    TP_ABOVE_LAST = "tp_above_last"
    SL_BELOW_LAST = "sl_below_last"
    TP_BELOW_LAST = "tp_below_last"
    SL_ABOVE_LAST = "sl_above_last"
    TRIGGER_TGT_CCY = "trigger_tgt_ccy"
    SPOT_TRIGGER_LAST_ONLY = "spot_trigger_last_only"
    CALLBACK_RATIO_RANGE = "callback_ratio_range"  # params: min, max (percent)
    TRAILING_SELL_ACTIVE_PX = "trailing_sell_active_px"
    TRAILING_BUY_ACTIVE_PX = "trailing_buy_active_px"
    ALGO_AMEND_NOT_FOUND = "algo_amend_not_found"
    ALGO_NEEDS_TP_OR_SL = "algo_needs_tp_or_sl"
    TP_LIMIT_NOT_ON_SPOT = "tp_limit_not_on_spot"
    ATTACHED_TP_BELOW_PX = "attached_tp_below_px"  # buy: TP trigger must be above the order price
    ATTACHED_SL_ABOVE_PX = "attached_sl_above_px"
    ATTACHED_TP_ABOVE_PX = "attached_tp_above_px"  # sell
    ATTACHED_SL_BELOW_PX = "attached_sl_below_px"
    ATTACHED_AMEND_NOT_FOUND = "attached_amend_not_found"  # amend: no such TP/SL on the order
    ATTACHED_AMEND_NONE = "attached_amend_none"  # amend: the order was placed without TP/SL
    ATTACHED_AMEND_REPEATED = "attached_amend_repeated"  # amend: one TP/SL named twice
    # --- derivatives: algo orders on swaps (swap-algos) -----------------------------------------
    TP_ABOVE_MARK = "tp_above_mark"  # 51300..51304: a TP/SL triggered by the mark price
    SL_BELOW_MARK = "sl_below_mark"
    TP_BELOW_MARK = "tp_below_mark"
    SL_ABOVE_MARK = "sl_above_mark"
    TP_ABOVE_INDEX = "tp_above_index"  # 51305..51308: triggered by the index price
    SL_BELOW_INDEX = "sl_below_index"
    TP_BELOW_INDEX = "tp_below_index"
    SL_ABOVE_INDEX = "sl_above_index"
    CLOSE_FRACTION_NOT_SWAP = "close_fraction_not_swap"  # 51327
    CLOSE_FRACTION_REDUCE_ONLY = "close_fraction_reduce_only"  # 51328: net mode needs reduceOnly
    CLOSE_FRACTION_MARKET = "close_fraction_market"  # 51330: TP/SL legs at market only
    CLOSE_FRACTION_TYPE = "close_fraction_type"  # 51331: conditional / oco only
    CLOSE_FRACTION_ONE = "close_fraction_one"  # 51088: one whole-position TP/SL per position
    NO_POSITION_TO_CLOSE = "no_position_to_close"  # 51169 at trigger: closeFraction, no position
    ATTACH_ON_CLOSE = "attach_on_close"  # 51333: a reduce-only / long-short close order with TP/SL
    TP_LIMIT_AT_MARKET = "tp_limit_at_market"  # 51093: a TP limit order's price is never -1
    # --- derivatives: orders, positions, account settings (swap-core) ---------------------------
    SWAP_ACCOUNT_MODE = "swap_account_mode"  # Spot mode (acctLv 1): no swap orders or settings
    SWAP_ACCOUNT_LEVEL_UNSUPPORTED = "swap_account_level_unsupported"  # params: acct_lv (3/4)
    SWAP_PRICE_LIMIT = "swap_price_limit"  # params: buy_lmt, sell_lmt
    SWAP_NO_POSITION_TO_REDUCE = "swap_no_position_to_reduce"
    SWAP_REDUCE_SAME_DIRECTION = "swap_reduce_same_direction"
    SWAP_CLOSE_EXCEEDS_POSITION = "swap_close_exceeds_position"
    SWAP_TIER_EXCEEDED = "swap_tier_exceeded"  # params: inst_id, max_sz, lever, sz, pos, pending
    SWAP_MARGIN_INSUFFICIENT = "swap_margin_insufficient"  # params: ccy
    SWAP_SETTINGS_BLOCKED = "swap_settings_blocked"  # positions or pending orders
    SWAP_LEVER_TOO_HIGH = "swap_lever_too_high"
    SWAP_LEVER_TOO_LOW = "swap_lever_too_low"  # params: min
    SWAP_LEVER_ISOLATED_ORDERS = "swap_lever_isolated_orders"
    SWAP_LEVER_CROSS_ORDERS = "swap_lever_cross_orders"
    SWAP_LEVER_MARGIN_SHORT = "swap_lever_margin_short"
    SWAP_MARGIN_NO_POSITION = "swap_margin_no_position"
    SWAP_MARGIN_OVER_LIMIT = "swap_margin_over_limit"
    SWAP_POSITION_NOT_FOUND = "swap_position_not_found"
    SWAP_PENDING_CLOSE_ORDERS = "swap_pending_close_orders"
    # --- derivatives: prices, price limits, tiers (swap-market) ---------------------------------
    # --- derivatives: funding and liquidation (swap-funding-liq) --------------------------------
    # --- derivatives: request parameters (swap-private-api) -------------------------------------
    # --- derivatives: end -----------------------------------------------------------------------
    # --- funding -------------------------------------------------------------------------------
    TRANSFER_AMOUNT_INVALID = "transfer_amount_invalid"
    TRANSFER_EXCEEDS_AVAILABLE = "transfer_exceeds_available"
    TRANSFER_SAME_ACCOUNT = "transfer_same_account"
    CURRENCY_NOT_FOUND = "currency_not_found"
    # --- funding: transfers, withdrawals, addresses (Funding issue) ----------------------------
    TRANSFER_RATE_LIMITED = "transfer_rate_limited"
    TRANSFER_SUBACCOUNT_NOT_FOUND = "transfer_subaccount_not_found"
    TRANSFER_OUT_NOT_ALLOWED = "transfer_out_not_allowed"  # params: sub
    TRANSFER_TYPE_NOT_FOR_MASTER_KEY = "transfer_type_not_for_master_key"
    TRANSFER_TYPE_NOT_FOR_SUB_KEY = "transfer_type_not_for_sub_key"
    TRANSFER_PARAM_MISMATCH = "transfer_param_mismatch"  # params: field
    TRANSFER_SUBACCOUNTS_SAME = "transfer_subaccounts_same"
    SUBACCOUNT_SUSPENDED = "subaccount_suspended"  # params: sub
    WITHDRAWAL_DAILY_LIMIT = "withdrawal_daily_limit"
    WITHDRAWAL_ADDRESS_MISSING = "withdrawal_address_missing"
    WITHDRAWAL_ABOVE_MAX = "withdrawal_above_max"
    WITHDRAWAL_BELOW_MIN = "withdrawal_below_min"
    WITHDRAWAL_ADDRESS_NOT_VERIFIED = "withdrawal_address_not_verified"
    SUBACCOUNT_NO_DEPOSIT_WITHDRAW = "subaccount_no_deposit_withdraw"
    INTERNAL_ADDRESS_ILLEGAL = "internal_address_illegal"
    WITHDRAWAL_NOT_FOUND = "withdrawal_not_found"
    WITHDRAWAL_NOT_CANCELLABLE = "withdrawal_not_cancellable"
    INTERNAL_RECIPIENT_NOT_FOUND = "internal_recipient_not_found"
    WITHDRAWAL_ALREADY_CANCELED = "withdrawal_already_canceled"
    WITHDRAWAL_TAG_REQUIRED = "withdrawal_tag_required"
    WITHDRAWAL_ADDRESS_INVALID = "withdrawal_address_invalid"
    FUNDING_INSUFFICIENT = "funding_insufficient"
    DEPOSIT_ADDRESS_NOT_FOUND = "deposit_address_not_found"
    WITHDRAW_ADDRESS_EXISTS = "withdraw_address_exists"
    WITHDRAW_ADDRESS_UNKNOWN = "withdraw_address_unknown"
    # --- convert (Flash Exchange) -------------------------------------------------------------
    CONVERT_BASE_INVALID = "convert_base_invalid"
    CONVERT_QUOTE_INVALID = "convert_quote_invalid"
    CONVERT_AMOUNT_INVALID = "convert_amount_invalid"
    CONVERT_SIDE_INVALID = "convert_side_invalid"
    CONVERT_NO_PRICE = "convert_no_price"
    CONVERT_INSUFFICIENT = "convert_insufficient"  # the trading account's available balance
    CONVERT_BELOW_MIN = "convert_below_min"
    CONVERT_ABOVE_MAX = "convert_above_max"
    CONVERT_QUOTE_MISMATCH = "convert_quote_mismatch"  # params: param
    CONVERT_ABOVE_QUOTE = "convert_above_quote"
    CONVERT_QUOTE_TRADED = "convert_quote_traded"
    CONVERT_QUOTE_EXPIRED = "convert_quote_expired"
    CONVERT_CLIENT_ID_EXISTS = "convert_client_id_exists"
    CONVERT_NO_QUOTE = "convert_no_quote"


@dataclass(frozen=True, slots=True)
class Rejected:
    """A business "no": why, and the values the message needs (e.g. which field)."""

    reason: Reason
    params: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, reason: Reason, **params: str) -> Rejected:
        """Build a refusal; use cases return `Value | Rejected` and callers branch on isinstance."""
        return cls(reason, params)
