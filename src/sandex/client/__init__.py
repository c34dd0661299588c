"""sandex's Python client: OKX v5 REST (signed with sandex's own signing code) and the control API.

Async core (`AsyncOkxClient`, `AsyncControlClient`) and blocking facades (`OkxClient`,
`ControlClient`). A library for bot authors: it imports nothing of the server but the pure domain
(signing, timestamps), so it works against sandex and OKX alike.
"""

from sandex.client.control import AsyncControlClient
from sandex.client.errors import ControlError, HttpError, OkxError, SandexClientError
from sandex.client.models import (
    AccountBalance,
    AccountConfig,
    ApiKey,
    Balance,
    ClockState,
    Credentials,
    Deposit,
    Fault,
    FaultEvent,
    Order,
    OrderAck,
    SwapSettings,
    User,
)
from sandex.client.rest import AsyncOkxClient
from sandex.client.sync import ControlClient, OkxClient

__all__ = [
    "AccountBalance",
    "AccountConfig",
    "ApiKey",
    "AsyncControlClient",
    "AsyncOkxClient",
    "Balance",
    "ClockState",
    "ControlClient",
    "ControlError",
    "Credentials",
    "Deposit",
    "Fault",
    "FaultEvent",
    "HttpError",
    "OkxClient",
    "OkxError",
    "Order",
    "OrderAck",
    "SandexClientError",
    "SwapSettings",
    "User",
]
