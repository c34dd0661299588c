"""`liquidation-warning` (`/private`, by `instType`, optional `instFamily`/`instId`): the user's
swap positions whose margin ratio is in the warning band (`services/swap_funding/warnings.py`).

Checked every `INTERVAL_S` for subscribed sessions; a position is pushed when it enters the band,
and again when its ratio moved since it was pushed; leaving the band (or being liquidated) lets it
warn afresh later.
"""

from __future__ import annotations

import time
from typing import Any

from sandex.domain.money import format_decimal
from sandex.services.swap_funding.warnings import LiquidationWarnings, PositionWarning
from sandex.transport.okx.ws.channels import LIQUIDATION_WARNING, Topic
from sandex.transport.okx.ws.protocol import push
from sandex.transport.okx.ws.pushes import Pusher
from sandex.transport.okx.ws.sessions import Session, SessionRegistry

INTERVAL_S = 1.0


class WarningFeed:
    def __init__(
        self, registry: SessionRegistry, pusher: Pusher, warnings: LiquidationWarnings | None
    ) -> None:
        self._registry = registry
        self._pusher = pusher
        self._warnings = warnings
        self._sent: dict[tuple[str, tuple[str, ...], int], str] = {}  # (conn, topic, posId) -> ratio
        self._checked = 0.0
        self.interval_s = INTERVAL_S

    def tick(self) -> None:
        now = time.monotonic()
        if self._warnings is None or now - self._checked < self.interval_s:
            return
        self._checked = now
        live: set[tuple[str, tuple[str, ...], int]] = set()
        for session in tuple(self._registry.sessions.values()):
            principal = session.principal
            topics = [t for t in session.topics.values() if t.channel == LIQUIDATION_WARNING]
            if principal is None or not topics:
                continue
            found = self._warnings.at_risk(session.environment, principal.user_id)
            for topic in topics:
                self._push(session, topic, [w for w in found if _wanted(topic, w)], live)
        self._sent = {key: ratio for key, ratio in self._sent.items() if key in live}

    def _push(self, session: Session, topic: Topic, found: list[PositionWarning], live: set[Any]) -> None:
        fresh = []
        for warning in found:
            key = (session.conn_id, topic.key, warning.pos_id)
            live.add(key)
            ratio = format_decimal(warning.mgn_ratio)
            if self._sent.get(key) != ratio:
                self._sent[key] = ratio
                fresh.append(warning)
        if fresh:
            arg = topic.echo
            assert session.principal is not None
            arg["uid"] = session.principal.uid
            ts = str(int(time.time() * 1000))
            self._pusher.send(session, LIQUIDATION_WARNING, push(arg, [_item(w, ts) for w in fresh]))


def _wanted(topic: Topic, w: PositionWarning) -> bool:
    return (
        topic.inst_type in ("SWAP", "ANY")
        and topic.inst_family in ("", w.inst_family)
        and topic.inst_id in ("", w.inst_id)
    )


def _item(w: PositionWarning, p_time: str) -> dict[str, Any]:
    return {
        "cTime": str(w.c_time),
        "ccy": w.ccy,
        "instId": w.inst_id,
        "instType": "SWAP",
        "lever": format_decimal(w.lever),
        "markPx": format_decimal(w.mark_px),
        "mgnMode": w.mgn_mode.value,
        "mgnRatio": format_decimal(w.mgn_ratio),
        "pTime": p_time,
        "pos": format_decimal(w.pos),
        "posCcy": "",
        "posId": str(w.pos_id),
        "posSide": w.pos_side,
        "uTime": str(w.u_time),
    }
