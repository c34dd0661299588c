"""Who is asking: the signed-in user behind the session cookie, as FastAPI dependencies.

    def page(viewer: Signed) -> Response          # 303 to /login?next=... when signed out
    def form(viewer: Fresh) -> Response           # also 303 to /reauth when the password is stale

Dependencies are sync (the services block): FastAPI runs them in a worker thread, once per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from sandex.domain.accounts.model import UserStatus
from sandex.services.accounts.views import UserView
from sandex.services.console.ports import ConsoleSession
from sandex.transport.console.context import Console
from sandex.transport.console.cookies import SESSION_COOKIE


@dataclass(frozen=True, slots=True)
class Viewer:
    user: UserView
    session: ConsoleSession
    token: str

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def email(self) -> str:
        return self.user.email or ""

    @property
    def pending(self) -> bool:
        return self.session.second_factor_pending


class LoginRequired(Exception):  # noqa: N818 - a control-flow signal rendered as a redirect
    def __init__(self, next_path: str) -> None:
        super().__init__("sign-in required")
        self.next_path = next_path


class ReauthRequired(Exception):  # noqa: N818 - a control-flow signal rendered as a redirect
    def __init__(self, next_path: str) -> None:
        super().__init__("password re-entry required")
        self.next_path = next_path


def any_session(request: Request, console: Console) -> Viewer | None:
    """The session behind the cookie, pending 2FA or not; None when there is none or it ended.

    A session of a user who is gone, frozen or a sub-account (they cannot sign in) is closed."""
    return _session(request, console, touch=True)


def watching_viewer(request: Request, console: Console) -> Viewer | None:
    """Signed in (2FA step done), or None, without counting as activity: for the fragments a page
    re-fetches on its own, so a page left open does not keep its session alive."""
    viewer = _session(request, console, touch=False)
    return None if viewer is None or viewer.pending else viewer


def _session(request: Request, console: Console, *, touch: bool) -> Viewer | None:
    token = request.cookies.get(SESSION_COOKIE, "")
    session = console.sessions.resolve(token, touch=touch)
    if session is None:
        return None
    user = console.accounts.get_user(session.user_id)
    if user is None or user.status is not UserStatus.ACTIVE or user.is_sub_account:
        console.sessions.close(token)
        return None
    return Viewer(user, session, token)


AnySession = Annotated[Viewer | None, Depends(any_session)]


def optional_viewer(viewer: AnySession) -> Viewer | None:
    """Signed in (2FA step done), or None."""
    return None if viewer is None or viewer.pending else viewer


def signed_viewer(request: Request, viewer: AnySession) -> Viewer:
    if viewer is None or viewer.pending:
        raise LoginRequired(request.url.path)
    return viewer


def fresh_viewer(
    request: Request, console: Console, viewer: Annotated[Viewer, Depends(signed_viewer)]
) -> Viewer:
    """Signed in, with the password typed within the re-authentication window."""
    if console.sessions.needs_reauth(viewer.session):
        raise ReauthRequired(request.url.path)
    return viewer


def pending_viewer(request: Request, viewer: AnySession) -> Viewer:
    """Between the password and the 2FA code."""
    if viewer is None or not viewer.pending:
        raise LoginRequired(request.url.path)
    return viewer


MaybeSigned = Annotated[Viewer | None, Depends(optional_viewer)]
Watching = Annotated[Viewer | None, Depends(watching_viewer)]
Signed = Annotated[Viewer, Depends(signed_viewer)]
Fresh = Annotated[Viewer, Depends(fresh_viewer)]
Pending = Annotated[Viewer, Depends(pending_viewer)]
