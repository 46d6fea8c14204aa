"""Issuing, revoking and checking personal API tokens."""
from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from tt_platform.accounts.models import User
from tt_platform.api.models import ApiToken, new_token, token_hash
from tt_platform.database import db, utcnow

MAX_TOKENS = 10


class TokenError(Exception):
    pass


def issue(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token; the secret is returned once and only its hash is kept."""
    name = (name or "").strip()
    if not 1 <= len(name) <= 100:
        raise TokenError(_("Name the token (at most 100 characters)."))
    active = db.session.scalar(sa.select(sa.func.count(ApiToken.id)).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    if active >= MAX_TOKENS:
        raise TokenError(_("At most %(n)d active tokens; revoke one first.", n=MAX_TOKENS))
    secret = new_token()
    token = ApiToken(user_id=user.id, name=name, token_hash=token_hash(secret), hint=secret[:8])
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke(user: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise TokenError(_("No such token."))
    token.revoked_at = token.revoked_at or utcnow()


#: how fresh "last used" is kept: writing it on every call would make each API request a write, and
#: concurrent calls with one token (a bidding tool) queue on that row's lock
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


@functools.cache
def _token_query() -> sa.Select:
    # built once: constructing the statement (and its cache key) costs more CPU than running it
    return (sa.select(ApiToken)
            .where(ApiToken.token_hash == sa.bindparam("token_hash"), ApiToken.revoked_at.is_(None))
            .options(joinedload(ApiToken.user, innerjoin=True).joinedload(User.memberships)))


def token_for(secret: str) -> ApiToken | None:
    """The live token with this secret, its use recorded to the minute; None when unknown, revoked or its
    owner is inactive. One query brings the token, its user and the user's memberships (what every
    permission check reads: roles, organisations): an API call by token pays one round trip for who it is."""
    with db.session.no_autoflush:  # the first statement of the request: nothing is pending to flush
        token = db.session.execute(_token_query(), {"token_hash": token_hash(secret)}).unique().scalar_one_or_none()
    if token is None or not token.user.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token


def user_for(secret: str) -> User | None:
    token = token_for(secret)
    return token.user if token is not None else None


def of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.id.desc())))
