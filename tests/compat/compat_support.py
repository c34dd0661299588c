"""What the compat tests share (imported by module name): credentials and the world they act in."""

from __future__ import annotations

from dataclasses import dataclass

from sandex.services.keys.views import CreatedKey
from sandex.testing.server import RunningServer

PASSPHRASE = "Sandex#2026"
SUB_NAME = "botdesk01"


@dataclass(frozen=True)
class Creds:
    api_key: str
    secret: str
    passphrase: str

    @classmethod
    def of(cls, created: CreatedKey) -> Creds:
        return cls(created.info.api_key, created.secret, created.passphrase)


@dataclass(frozen=True)
class World:
    server: RunningServer
    uid: str
    sub_uid: str
    live: Creds  # read+trade, bound to 127.0.0.1
    demo: Creds  # the same, in the demo environment
    elsewhere: Creds  # bound to an address the tests never come from
    sub_key: str  # a key of the sub-account, for modify-apikey

    @property
    def base_url(self) -> str:
        return self.server.base_url
