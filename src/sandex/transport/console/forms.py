"""Posted forms (application/x-www-form-urlencoded), parsed and CSRF-checked before any handler runs.

Every console POST takes `form: Form` as its first parameter, so none can forget the check.
Parsed here rather than with python-multipart: the console has no file uploads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request

from sandex.transport.console.context import Console
from sandex.transport.console.csrf import CSRF_FIELD, CSRF_HEADER, csrf_valid

MAX_FORM_BYTES = 64 * 1024
MAX_FIELDS = 100


class CsrfRejected(Exception):  # noqa: N818 - rendered as a 403 page
    pass


@dataclass(frozen=True, slots=True)
class FormData:
    fields: Mapping[str, list[str]] = field(default_factory=dict, repr=False)  # may hold passwords

    def raw(self, name: str) -> str:
        """The first value as typed (passwords, passphrases: never trimmed)."""
        values = self.fields.get(name)
        return values[0] if values else ""

    def text(self, name: str) -> str:
        """The first value, trimmed."""
        return self.raw(name).strip()

    def flag(self, name: str) -> bool:
        return self.text(name) in ("1", "on", "true", "yes")


async def checked_form(request: Request, console: Console) -> FormData:
    body = await request.body()
    urlencoded = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    if len(body) > MAX_FORM_BYTES or not urlencoded:
        raise CsrfRejected("not a console form")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise CsrfRejected("unreadable form") from exc
    form = FormData(fields)
    submitted = form.raw(CSRF_FIELD) or request.headers.get(CSRF_HEADER, "")
    if not csrf_valid(request, console.csrf_key, submitted):
        raise CsrfRejected("missing or wrong CSRF token")
    return form


Form = Annotated[FormData, Depends(checked_form)]
