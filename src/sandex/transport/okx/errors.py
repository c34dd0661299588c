"""The one table from domain reasons to OKX code, HTTP status and message.

Messages are OKX's own texts (reference §1.6, §1.7, §2.4) with `{field}`-style placeholders filled
from `Rejected.params`. Reasons OKX has no code for (web-console flows) use sandex's 7xxxx range.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sandex.domain.errors import Reason, Rejected


@dataclass(frozen=True, slots=True)
class WireError:
    code: str
    http_status: int
    message: str  # str.format template over the reason's params
    bare: bool = False  # answered as {"msg","code"} with no "data", as OKX does for auth and 429


R = Reason
_AUTH = 401

ERRORS: Mapping[Reason, WireError] = {
    # request shape
    R.PARAM_EMPTY: WireError("50014", 400, "Parameter {field} can not be empty."),
    R.PARAM_ERROR: WireError("51000", 400, "Parameter {field} error"),
    R.EITHER_PARAM_REQUIRED: WireError("50015", 400, "Either parameter {field} or {other} is required."),
    R.PARAMS_CONFLICT: WireError(
        "50024", 200, "Parameter {field} and {other} can not exist at the same time."
    ),
    R.PARAM_COUNT_EXCEEDED: WireError("50025", 200, "Parameter {field} count exceeds the limit {limit}."),
    R.BODY_EMPTY: WireError("50000", 400, "Body for POST request cannot be empty."),
    R.JSON_SYNTAX: WireError("50002", 400, "JSON syntax error"),
    # OKX publishes no code for an oversized body: sandex's own, with HTTP's status for it
    R.BODY_TOO_LARGE: WireError("70413", 413, "Request {field} too large: at most {limit} bytes."),
    # an OKX algo type sandex does not run: OKX's "Parameter {field} error" code, naming the type
    R.ALGO_TYPE_NOT_SERVED: WireError(
        "51000",
        200,
        "Parameter ordType error: {ord_type} algo orders are not served by sandex "
        "(spot: conditional, oco, trigger, move_order_stop)",
    ),
    R.METHOD_NOT_ALLOWED: WireError("50115", 405, "Invalid request method."),
    # A path sandex does not serve (OKX's API never answers "404"): 50062, HTTP 200, which ccxt maps to
    # ExchangeError (not retried) where 50005 (HTTP 410) would be ExchangeNotAvailable, retried forever.
    R.NOT_FOUND: WireError("50062", 200, "This feature is currently unavailable."),
    R.ENDPOINT_UNSUPPORTED: WireError(
        "50062", 200, "This feature is currently unavailable: sandex does not serve {what}."
    ),
    R.ACCOUNT_MODE_UNSUPPORTED: WireError(
        "51010",
        200,
        "Request unsupported under current account mode: {what} needs a margin or derivatives "
        "account mode; sandex accounts are in Spot mode.",
    ),
    # service state
    R.SERVICE_UNAVAILABLE: WireError(
        "50001", 503, "Service temporarily unavailable. Please try again later."
    ),
    R.SYSTEM_BUSY: WireError("50013", 429, "Systems are busy. Please try again later."),
    R.SYSTEM_ERROR: WireError("50026", 500, "System error. Try again later."),
    R.RATE_LIMITED: WireError("50011", 429, "Too Many Requests", bare=True),
    R.SUBACCOUNT_RATE_LIMITED: WireError(
        "50061", 200, "You've reached the maximum order rate limit for this account."
    ),
    R.FEATURE_UNAVAILABLE_IN_DEMO: WireError("50038", 200, "This feature is unavailable in demo trading"),
    # authentication
    R.KEY_HEADER_MISSING: WireError("50103", _AUTH, "Request header OK-ACCESS-KEY can not be empty.", True),
    R.SIGN_HEADER_MISSING: WireError("50106", _AUTH, "Request header OK-ACCESS-SIGN can not be empty.", True),
    R.TIMESTAMP_HEADER_MISSING: WireError(
        "50107", _AUTH, "Request header OK-ACCESS-TIMESTAMP can not be empty.", True
    ),
    R.PASSPHRASE_HEADER_MISSING: WireError(
        "50104", _AUTH, "Request header OK-ACCESS-PASSPHRASE can not be empty.", True
    ),
    R.TIMESTAMP_INVALID: WireError("50112", _AUTH, "Invalid OK-ACCESS-TIMESTAMP", True),
    R.TIMESTAMP_EXPIRED: WireError("50102", _AUTH, "Timestamp request expired", True),
    R.KEY_INVALID: WireError("50111", _AUTH, "Invalid OK-ACCESS-KEY", True),
    R.KEY_NOT_FOUND: WireError("50119", 200, "API key doesn't exist", True),  # 200: error_code.md
    R.KEY_FROZEN: WireError("50100", 400, "API frozen, please contact customer service.", True),
    R.ENVIRONMENT_MISMATCH: WireError("50101", _AUTH, "APIKey does not match current environment.", True),
    R.IP_NOT_ALLOWED: WireError(
        "50110", _AUTH, "Your IP {ip} is not included in your API key's IP whitelist.", True
    ),
    R.PASSPHRASE_INCORRECT: WireError("50105", _AUTH, "Request header OK-ACCESS-PASSPHRASE incorrect.", True),
    R.SIGNATURE_INVALID: WireError("50113", _AUTH, "Invalid Sign", True),
    R.PERMISSION_DENIED: WireError(
        "50120",
        200,
        "This API key doesn't have permission to use this function",
        True,  # 200: error_code.md
    ),
    R.IP_BINDING_REQUIRED: WireError("50035", 403, "This endpoint requires that APIKey must be bound to IP"),
    R.USER_BLOCKED: WireError("50007", 200, "User blocked."),
    # accounts and identity (web flows; sandex codes where OKX has none)
    R.EMAIL_INVALID: WireError("70001", 400, "Parameter {field} error: not a valid email address"),
    R.EMAIL_TAKEN: WireError("70002", 200, "This email is already registered."),
    R.PASSWORD_WEAK: WireError("70003", 400, "Password too weak: {rule}"),
    R.LOGIN_FAILED: WireError("70004", 200, "User not found or password invalid"),
    R.LOGIN_LOCKED: WireError("70005", 200, "Too many failed attempts. Try again in {retry_after} seconds."),
    R.USER_NOT_FOUND: WireError("50008", 200, "User does not exist."),
    R.ACCOUNT_FROZEN: WireError("50007", 200, "User blocked."),
    R.TOTP_REQUIRED: WireError("70006", 200, "A 2FA code is required for this action."),
    R.TOTP_INVALID: WireError("70007", 200, "The 2FA code is incorrect or already used."),
    R.TOTP_ALREADY_ENABLED: WireError("70008", 200, "2FA is already enabled."),
    R.TOTP_NOT_ENABLED: WireError("70009", 200, "2FA is not enabled."),
    R.EMAIL_CODE_REQUIRED: WireError("70010", 200, "An email verification code is required for this action."),
    R.EMAIL_CODE_INVALID: WireError("70011", 200, "The email verification code is incorrect."),
    R.EMAIL_CODE_EXPIRED: WireError("70012", 200, "The email verification code has expired or was used."),
    R.EMAIL_CODE_EXHAUSTED: WireError("70013", 200, "Too many wrong codes. Request a new email code."),
    R.EMAIL_CODE_TOO_FREQUENT: WireError(
        "50040", 200, "Too frequent operations, please try again later ({retry_after} seconds)."
    ),
    R.SUBACCOUNT_NAME_INVALID: WireError(
        "51000", 400, "Parameter subAcct error: 6-20 letters or digits, case-sensitive, no spaces"
    ),
    R.SUBACCOUNT_NAME_TAKEN: WireError("70014", 200, "Sub-account name already exists."),
    R.SUBACCOUNT_NOT_FOUND: WireError("59510", 200, "Sub-account does not exist"),
    R.MASTER_ONLY: WireError("59500", 200, "Only the APIKey of the main account has permission"),
    # API keys
    R.KEY_LIMIT_REACHED: WireError("59501", 200, "Each account can create up to 50 API keys"),
    R.KEY_LABEL_TAKEN: WireError("59502", 200, "Note name {label} already exists"),
    R.KEY_LABEL_INVALID: WireError("51000", 400, "Parameter label error"),
    R.KEY_IP_LIMIT: WireError("59503", 200, "Each API key can bind up to 20 IP addresses"),
    R.KEY_IP_INVALID: WireError("51000", 400, "Parameter ip error: {ip} is not an IPv4/IPv6 address or CIDR"),
    R.SUBACCOUNT_CANNOT_WITHDRAW: WireError("59504", 200, "The sub account does not support withdrawal"),
    R.PASSPHRASE_FORMAT: WireError(
        "59505",
        200,
        "The passphrase format is incorrect: 8-32 characters with at least one number, one uppercase "
        "letter, one lowercase letter and one special character",
    ),
    R.KEY_DOES_NOT_EXIST: WireError("59506", 200, "APIKey does not exist"),
    R.KEY_PERMISSION_INVALID: WireError("51000", 400, "Parameter perm error: {perm}"),
    R.WITHDRAW_NEEDS_IP_BINDING: WireError(
        "50035", 200, "Withdraw permission requires that the APIKey is bound to an IP allow-list"
    ),
    R.KEY_EXPIRY_INVALID: WireError("51000", 400, "Parameter expiry error"),
    R.KEY_NOT_PENDING: WireError("70015", 200, "This API key is not waiting for activation."),
    R.KEY_DESCRIPTION_INVALID: WireError("51000", 400, "Parameter description error"),
    # trading
    R.INSTRUMENT_NOT_FOUND: WireError("51001", 200, "Instrument ID does not exist."),
    R.INSTRUMENT_SUSPENDED: WireError("51155", 200, "You can't trade this pair or borrow this crypto."),
    R.INSUFFICIENT_BALANCE: WireError("51008", 200, "Order failed. Insufficient {ccy} balance in account"),
    R.CLORDID_EXISTS: WireError("51016", 200, "Client order ID already exists."),
    R.ORDER_BELOW_MIN: WireError("51020", 200, "Your order should meet or exceed the minimum order amount."),
    R.LOT_SIZE: WireError("51121", 200, "Order quantity must be a multiple of the lot size."),
    R.TICK_SIZE: WireError("51000", 200, "Parameter {field} error"),  # px or newPx off the tick size
    R.PRICE_EMPTY: WireError("51204", 200, "The price for the limit order can't be empty."),
    R.BATCH_TOO_LARGE: WireError("51111", 200, "Maximum {limit} orders can be placed in bulk."),
    R.ORDER_NOT_FOUND: WireError("51603", 200, "Order does not exist."),
    # algo orders
    R.ALGO_CLORDID_EXISTS: WireError("51065", 200, "algoClOrdId already exists."),
    R.STOP_ORDERS_LIMIT: WireError(
        "51261", 200, "Each user can hold up to {limit} pending stop orders at the same time."
    ),
    R.TRIGGER_ORDERS_LIMIT: WireError(
        "51299", 200, "Order did not go through. You can hold a maximum of {limit} orders of this type."
    ),
    R.TRAILING_ORDERS_LIMIT: WireError(
        "51260", 200, "Maximum of {limit} pending trailing stop orders can be held at the same time."
    ),
    R.TP_ABOVE_LAST: WireError("51277", 200, "TP trigger price cannot be higher than the last price."),
    R.SL_BELOW_LAST: WireError("51278", 200, "SL trigger price cannot be lower than the last price."),
    R.TP_BELOW_LAST: WireError("51279", 200, "TP trigger price cannot be lower than the last price."),
    R.SL_ABOVE_LAST: WireError("51280", 200, "SL trigger price cannot be higher than the last price."),
    R.TRIGGER_TGT_CCY: WireError("51281", 200, "Trigger order do not support the tgtCcy parameter."),
    R.SPOT_TRIGGER_LAST_ONLY: WireError(
        "51415",
        200,
        "Unable to place order. Spot trading only supports using the last price as trigger price. "
        'Please select "Last" and try again.',
    ),
    R.CALLBACK_RATIO_RANGE: WireError(
        "51257", 200, "Trailing stop order callback rate error. The callback rate should be {min}< x<={max}%."
    ),
    R.TRAILING_SELL_ACTIVE_PX: WireError(
        "51258",
        200,
        "Trailing stop order placement failed. "
        "The trigger price of a sell order must be higher than the last transaction price.",
    ),
    R.TRAILING_BUY_ACTIVE_PX: WireError(
        "51259",
        200,
        "Trailing stop order placement failed. "
        "The trigger price of a buy order must be lower than the last transaction price.",
    ),
    R.ALGO_AMEND_NOT_FOUND: WireError(
        "51527", 200, "Order modification unsuccessful. The stop order does not exist."
    ),
    R.ATTACHED_AMEND_NOT_FOUND: WireError(
        "51527", 200, "Order modification failed. At least 1 of the attached TP/SL orders does not exist."
    ),
    R.ATTACHED_AMEND_NONE: WireError(
        "51538",
        200,
        "You need to use attachAlgoOrds if you used attachAlgoOrds when placing an order. "
        "attachAlgoOrds is not supported if you did not use attachAlgoOrds when placing this order.",
    ),
    R.ATTACHED_AMEND_REPEATED: WireError(
        "51539",
        200,
        "attachAlgoId or attachAlgoClOrdId cannot be identical "
        "when modifying any TP/SL within your split TPs order",
    ),
    R.ALGO_NEEDS_TP_OR_SL: WireError(
        "51531",
        200,
        "Order modification unsuccessful. The stop order must have either take profit or stop loss attached.",
    ),
    R.TP_LIMIT_NOT_ON_SPOT: WireError(
        "51094", 200, "You can't place TP limit orders in spot, margin, or options trading."
    ),
    R.ATTACHED_TP_BELOW_PX: WireError(
        "51046", 200, "The take profit trigger price must be higher than the order price"
    ),
    R.ATTACHED_SL_ABOVE_PX: WireError(
        "51047", 200, "The stop loss trigger price must be lower than the order price"
    ),
    R.ATTACHED_TP_ABOVE_PX: WireError(
        "51048", 200, "The take profit trigger price must be lower than the order price"
    ),
    R.ATTACHED_SL_BELOW_PX: WireError(
        "51049", 200, "The stop loss trigger price must be higher than the order price"
    ),
    # derivatives: algo orders on swaps (swap-algos)
    R.TP_ABOVE_MARK: WireError("51300", 200, "TP trigger price cannot be higher than the mark price"),
    R.SL_BELOW_MARK: WireError("51302", 200, "SL trigger price cannot be lower than the mark price"),
    R.TP_BELOW_MARK: WireError("51303", 200, "TP trigger price cannot be lower than the mark price"),
    R.SL_ABOVE_MARK: WireError("51304", 200, "SL trigger price cannot be higher than the mark price"),
    R.TP_ABOVE_INDEX: WireError("51305", 200, "TP trigger price cannot be higher than the index price"),
    R.SL_BELOW_INDEX: WireError("51306", 200, "SL trigger price cannot be lower than the index price"),
    R.TP_BELOW_INDEX: WireError("51307", 200, "TP trigger price cannot be lower than the index price"),
    R.SL_ABOVE_INDEX: WireError("51308", 200, "SL trigger price cannot be higher than the index price"),
    R.CLOSE_FRACTION_NOT_SWAP: WireError(
        "51327", 200, "closeFraction is only available for Expiry Futures and Perpetual Futures"
    ),
    R.CLOSE_FRACTION_REDUCE_ONLY: WireError(
        "51328", 200, "closeFraction is only available for reduceOnly orders"
    ),
    R.CLOSE_FRACTION_MARKET: WireError(
        "51330", 200, "closeFraction is only available for stop market orders"
    ),
    R.CLOSE_FRACTION_TYPE: WireError(
        "51331", 200, "closeFraction is only available for close position orders"
    ),
    R.CLOSE_FRACTION_ONE: WireError(
        "51088", 200, "You can only place 1 TP/SL order to close an entire position"
    ),
    R.ATTACH_ON_CLOSE: WireError(
        "51333",
        200,
        "Close position order in hedge-mode or reduce-only order in one-way mode cannot attach TPSL",
    ),
    R.TP_LIMIT_AT_MARKET: WireError(
        "51093", 200, "TP limit order prices (tpOrdPx) in one order can't be –1 (market price)."
    ),
    R.NO_POSITION_TO_CLOSE: WireError(
        "51169",
        200,
        "Order failed because you don't have any positions in this direction for this contract "
        "to reduce or close.",
    ),
    R.CANCEL_FAILED: WireError(
        "51400", 200, "Order cancellation failed as the order has been filled, canceled or does not exist."
    ),
    R.AMEND_FAILED: WireError(
        "51503", 200, "Order modification failed as the order has been filled, canceled or does not exist."
    ),
    R.AMEND_NOTHING: WireError("51500", 200, "Either the order price or amount is required."),
    R.AMEND_POST_ONLY: WireError("51511", 200, "Operation failed as the order price did not meet post-only."),
    R.PENDING_ORDERS_LIMIT: WireError(
        "51102",
        200,
        "Order failed, the number of pending orders for this instId can't be more than {limit} (orders)",
    ),
    R.ACCOUNT_ORDERS_LIMIT: WireError("51025", 200, "Order count exceeds the limit."),
    R.FOK_NOT_FILLABLE: WireError("51009", 200, "Order canceled: fill or kill could not be filled in full."),
    R.MARKET_ORDER_TOO_LARGE: WireError("51201", 200, "Value of per market order cannot exceed the limit."),
    R.ORDER_SIZE_TOO_LARGE: WireError("51203", 200, "Order amount exceeds the limit {limit}."),
    R.REQUEST_EXPIRED: WireError("50037", 200, "Order expired."),
    # funding
    R.TRANSFER_AMOUNT_INVALID: WireError("58114", 400, "Transfer amount must be greater than 0."),
    R.TRANSFER_EXCEEDS_AVAILABLE: WireError("58116", 200, "Transfer amount exceeds the available amount."),
    R.TRANSFER_SAME_ACCOUNT: WireError("58123", 200, "Parameter from cannot equal to parameter to."),
    R.CURRENCY_NOT_FOUND: WireError("51000", 400, "Parameter ccy error"),
    # funding: transfers, withdrawals, addresses (OKX "Funding" error table, 58000-58999; 59507/59508)
    R.TRANSFER_RATE_LIMITED: WireError(
        "58102", 429, "Rate limit reached. Please refer to API docs and throttle requests accordingly."
    ),
    R.TRANSFER_SUBACCOUNT_NOT_FOUND: WireError("58115", 200, "Sub-account does not exist."),
    R.TRANSFER_OUT_NOT_ALLOWED: WireError(
        "58119", 200, "{sub} Sub-account has no permission to transfer out, please set first."
    ),
    R.TRANSFER_TYPE_NOT_FOR_MASTER_KEY: WireError(
        "58127",
        200,
        "Main account API key does not support current transfer 'type' parameter. Please refer to the API "
        "documentation.",
    ),
    R.TRANSFER_TYPE_NOT_FOR_SUB_KEY: WireError(
        "58128",
        200,
        "Sub-account API key does not support current transfer 'type' parameter. Please refer to the API "
        "documentation.",
    ),
    R.TRANSFER_PARAM_MISMATCH: WireError(
        "58129", 200, "{field} is incorrect or {field} does not match with 'type'"
    ),
    R.TRANSFER_SUBACCOUNTS_SAME: WireError(
        "59507",
        200,
        "The two accounts involved in a transfer must be two different sub accounts under the same parent "
        "account",
    ),
    R.SUBACCOUNT_SUSPENDED: WireError("59508", 200, "The sub account of {sub} is suspended"),
    R.WITHDRAWAL_DAILY_LIMIT: WireError("58201", 200, "Withdrawal amount exceeds daily withdrawal limit."),
    R.WITHDRAWAL_ADDRESS_MISSING: WireError("58203", 200, "Please add a withdrawal address."),
    R.WITHDRAWAL_ABOVE_MAX: WireError("58205", 200, "Withdrawal amount exceeds the upper limit."),
    R.WITHDRAWAL_BELOW_MIN: WireError("58206", 200, "Withdrawal amount is less than the lower limit."),
    R.WITHDRAWAL_ADDRESS_NOT_VERIFIED: WireError(
        "58207",
        200,
        "Withdrawal address isn't on the verified address list. (The format for withdrawal addresses with a "
        "label is \u201caddress:label\u201d.)",
    ),
    R.SUBACCOUNT_NO_DEPOSIT_WITHDRAW: WireError(
        "58209",
        200,
        "Sub-accounts don't support withdrawals or deposits. Please use your main account instead",
    ),
    R.INTERNAL_ADDRESS_ILLEGAL: WireError(
        "58213",
        200,
        "The internal transfer address is illegal. It must be an email, phone number, or account name",
    ),
    R.WITHDRAWAL_NOT_FOUND: WireError("58215", 200, "Withdrawal ID does not exist."),
    R.WITHDRAWAL_NOT_CANCELLABLE: WireError("58216", 200, "Operation not allowed."),
    R.INTERNAL_RECIPIENT_NOT_FOUND: WireError(
        "58218", 200, "The internal withdrawal failed. Please check the parameters toAddr and areaCode."
    ),
    R.WITHDRAWAL_ALREADY_CANCELED: WireError("58220", 200, "Withdrawal request already canceled."),
    R.WITHDRAWAL_TAG_REQUIRED: WireError(
        "58221",
        200,
        "The toAddr parameter format is incorrect, withdrawal address needs labels. The format should be "
        '"address:label".',
    ),
    R.WITHDRAWAL_ADDRESS_INVALID: WireError("58222", 200, "Invalid withdrawal address"),
    R.FUNDING_INSUFFICIENT: WireError("58350", 200, "Insufficient balance."),
    R.DEPOSIT_ADDRESS_NOT_FOUND: WireError("58301", 200, "Deposit-address not exist."),
    R.WITHDRAW_ADDRESS_EXISTS: WireError("70201", 200, "This address is already on the allow-list."),
    R.WITHDRAW_ADDRESS_UNKNOWN: WireError("70202", 200, "This address is not on the allow-list."),
    # derivatives: orders, positions, account settings (swap-core)
    R.SWAP_ACCOUNT_MODE: WireError("51010", 200, "Request unsupported under current account mode"),
    R.SWAP_ACCOUNT_LEVEL_UNSUPPORTED: WireError(
        "51010",
        200,
        "Request unsupported under current account mode: sandex runs Spot mode (1) and Futures mode (2), "
        "not acctLv {acct_lv}",
    ),
    R.SWAP_PRICE_LIMIT: WireError(
        "51006",
        200,
        "Order price is not within the price limit (max buy price: {buy_lmt} , min sell price: {sell_lmt} )",
    ),
    R.SWAP_NO_POSITION_TO_REDUCE: WireError(
        "51169",
        200,
        "Order failed because you don't have any positions in this direction for this contract to reduce "
        "or close.",
    ),
    R.SWAP_REDUCE_SAME_DIRECTION: WireError(
        "51170",
        200,
        "Failed to place order. A reduce-only order can’t be the same trading direction as your "
        "existing positions.",
    ),
    R.SWAP_CLOSE_EXCEEDS_POSITION: WireError(
        "51112", 200, "Close order size exceeds available size for this position."
    ),
    R.SWAP_TIER_EXCEEDED: WireError(
        "51004",
        200,
        "Order failed. For {inst_id}, the sum of current order size, position quantity and pending "
        "orders in the same direction can’t be more than {max_sz}(contracts) which is the maximum "
        "position amount under current leverage. Please lower the leverage or use a new sub-account to "
        "place the order again (current leverage: {lever}×, current order size: {sz} contracts, "
        "position quantity: {pos} contracts, pending orders: {pending} contracts).",
    ),
    R.SWAP_MARGIN_INSUFFICIENT: WireError("51008", 200, "Order failed. Insufficient {ccy} margin in account"),
    R.SWAP_SETTINGS_BLOCKED: WireError(
        "59000", 200, "Settings failed. Close any open positions or orders before modifying settings."
    ),
    R.SWAP_LEVER_TOO_HIGH: WireError(
        "59102", 200, "Leverage exceeds the maximum limit. Please lower the leverage."
    ),
    R.SWAP_LEVER_TOO_LOW: WireError(
        "59105", 400, "Leverage can't be less than {min}. Please increase the leverage."
    ),
    R.SWAP_LEVER_ISOLATED_ORDERS: WireError(
        "59101",
        200,
        "Leverage can't be modified. Please cancel all pending isolated margin orders before adjusting "
        "the leverage.",
    ),
    R.SWAP_LEVER_CROSS_ORDERS: WireError(
        "59107",
        200,
        "Leverage can't be modified. Please cancel all pending cross-margin orders before adjusting the "
        "leverage.",
    ),
    R.SWAP_LEVER_MARGIN_SHORT: WireError(
        "59103", 200, "Account margin is insufficient and leverage is too low. Please increase the leverage."
    ),
    R.SWAP_MARGIN_NO_POSITION: WireError("59300", 200, "Margin call failed. Position does not exist."),
    R.SWAP_MARGIN_OVER_LIMIT: WireError(
        "59301", 200, "Margin adjustment failed for exceeding the max limit."
    ),
    R.SWAP_POSITION_NOT_FOUND: WireError("51023", 200, "Position doesn't exist."),
    R.SWAP_PENDING_CLOSE_ORDERS: WireError(
        "51115", 200, "Cancel all pending close-orders before liquidation."
    ),
    # derivatives: prices, price limits, tiers (swap-market)
    # derivatives: funding and liquidation (swap-funding-liq)
    # derivatives: request parameters (swap-private-api)
    # derivatives: end
    # convert (error_code.md 52900-52928)
    R.CONVERT_BASE_INVALID: WireError("52901", 200, "Invalid base asset"),
    R.CONVERT_QUOTE_INVALID: WireError("52902", 200, "Invalid quote asset"),
    R.CONVERT_AMOUNT_INVALID: WireError("52903", 200, "Invalid quote amount"),
    R.CONVERT_SIDE_INVALID: WireError("52904", 200, "Invalid quote side"),
    R.CONVERT_NO_PRICE: WireError("52911", 500, "RFQ service unavailable, please try again later"),
    R.CONVERT_INSUFFICIENT: WireError("52914", 200, "Insufficient available balance in trading account"),
    R.CONVERT_BELOW_MIN: WireError("52917", 200, "RFQ quantity cannot be less than the lower limit"),
    R.CONVERT_ABOVE_MAX: WireError("52918", 200, "RFQ quantity cannot be greater than the upper limit"),
    R.CONVERT_QUOTE_MISMATCH: WireError(
        "52919", 200, "Parameter {param} of convert trading is inconsistent with the quotation"
    ),
    R.CONVERT_ABOVE_QUOTE: WireError(
        "52920", 200, "Quantity of convert trading cannot exceed the quotation quantity"
    ),
    R.CONVERT_QUOTE_TRADED: WireError("52921", 200, "Quote traded, please ask for quote again"),
    R.CONVERT_QUOTE_EXPIRED: WireError("52922", 200, "Quote expired, please ask for quote again"),
    R.CONVERT_CLIENT_ID_EXISTS: WireError("52925", 200, "Duplicate client request ID"),
    R.CONVERT_NO_QUOTE: WireError("52927", 200, "No quote"),
    # transport (sandex's own: OKX has no such refusal)
    R.HOST_NOT_SERVED: WireError(
        "70301", 400, "Host {host} is not served here: start sandex with --allowed-host {host} to serve it"
    ),
}


class _Lenient(dict[str, str]):
    """Leaves unknown placeholders visible instead of raising: a message must never crash a reply."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def wire_error(rejected: Rejected) -> tuple[WireError, str]:
    """The wire entry for a refusal and its message with the params filled in."""
    entry = ERRORS[rejected.reason]
    return entry, entry.message.format_map(_Lenient(rejected.params))
