"""People who log in: accounts, argon2 password hashes, API tokens, the web app's signing key.

Passwords are hashed with argon2id (argon2-cffi's defaults, rehashed on login when those
change); an API token is ``nm_`` and 32 random bytes, stored as its SHA-256 (a random token
needs no slow hash). Looking up a name that does not exist still verifies a hash, so the
answer takes as long for a wrong name as for a wrong password.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import User, WebSecret, utcnow

__all__ = [
    "ROLES",
    "UserError",
    "UserInfo",
    "add_user",
    "any_users",
    "authenticate",
    "list_users",
    "new_token",
    "set_disabled",
    "set_password",
    "user_by_token",
    "web_secret",
]

ROLES = ("analyst", "admin")
MIN_PASSWORD = 8
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password anyone has")


class UserError(ValueError):
    """A user command that cannot be done; the message says what to change."""


@dataclass(frozen=True)
class UserInfo:
    """What may be shown about a user (no hash, no token)."""

    id: int
    name: str
    role: str
    disabled: bool
    has_token: bool
    created_at: datetime
    last_login_at: datetime | None


def _info(user: User) -> UserInfo:
    return UserInfo(
        user.id,
        user.name,
        user.role,
        user.disabled,
        user.token_hash is not None,
        user.created_at,
        user.last_login_at,
    )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password is too short: use at least {MIN_PASSWORD} characters")
    if password != password.strip():
        raise UserError("the password starts or ends with a space: remove it (was a newline pasted?)")


def _get(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise UserError(f"no user {name!r}: `newsmon users list` shows who exists")
    return user


def any_users(session: Session) -> bool:
    """Whether any account exists (then the web app requires a login)."""
    return bool(session.scalar(select(exists().where(User.id.is_not(None)))))


def add_user(session: Session, name: str, role: str, password: str) -> UserInfo:
    if not _NAME_RE.match(name):
        raise UserError(
            f"bad user name {name!r}: use lower-case letters, digits, '.', '_' or '-', at most 64, "
            "starting with a letter or digit"
        )
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    _check_password(password)
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise UserError(
            f"user {name!r} exists already: change the password with `newsmon users passwd {name}`"
        )
    user = User(name=name, role=role, password_hash=_hasher.hash(password), disabled=False)
    session.add(user)
    session.flush()
    return _info(user)


def list_users(session: Session) -> list[UserInfo]:
    return [_info(u) for u in session.scalars(select(User).order_by(User.name))]


def set_password(session: Session, name: str, password: str) -> None:
    _check_password(password)
    _get(session, name).password_hash = _hasher.hash(password)


def set_disabled(session: Session, name: str, disabled: bool = True) -> None:
    """Disable (or enable again) an account: its password, token and sessions stop working."""
    _get(session, name).disabled = disabled


def new_token(session: Session, name: str) -> str:
    """A new API token for ``name`` (replacing any old one); shown once, only its hash is kept."""
    user = _get(session, name)
    token = "nm_" + secrets.token_urlsafe(32)
    user.token_hash = _token_hash(token)
    return token


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The enabled user with that name and password, else None (in about the same time)."""
    user = session.scalar(select(User).where(User.name == name))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utcnow()
    return user


def user_by_token(session: Session, token: str) -> User | None:
    if not token.startswith("nm_"):
        return None
    user = session.scalar(select(User).where(User.token_hash == _token_hash(token)))
    return user if user is not None and not user.disabled else None


def web_secret(session: Session, name: str = "session") -> bytes:
    """The installation's signing key ``name``, made on first use (two servers starting at
    once agree: the first insert wins and the other reads it)."""
    row = session.get(WebSecret, name)
    if row is None:
        candidate = secrets.token_hex(32)
        try:
            with session.begin_nested():
                session.add(WebSecret(name=name, value=candidate))
        except IntegrityError:  # the other server's insert won the race
            pass
        row = session.get(WebSecret, name)
        if row is None:
            raise RuntimeError(f"web secret {name!r} could be neither written nor read")
    return bytes.fromhex(row.value)
