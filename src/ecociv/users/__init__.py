"""Identity: accounts, passwords with lock-out, server-side sessions, API tokens. Imported by
web/ and cli only."""

from ecociv.users.model import ApiTokenInfo, IssuedToken, LoginPolicy, SessionInfo, UserAccount
from ecociv.users.services import (
    account_for_session,
    account_for_token,
    actor_of,
    authenticate,
    change_password,
    create_token,
    create_user,
    list_sessions,
    list_tokens,
    list_users,
    revoke_session,
    revoke_token,
    revoke_user_sessions,
    set_active,
    set_password,
    sign_in,
    sign_out,
)

__all__ = [
    "ApiTokenInfo",
    "IssuedToken",
    "LoginPolicy",
    "SessionInfo",
    "UserAccount",
    "account_for_session",
    "account_for_token",
    "actor_of",
    "authenticate",
    "change_password",
    "create_token",
    "create_user",
    "list_sessions",
    "list_tokens",
    "list_users",
    "revoke_session",
    "revoke_token",
    "revoke_user_sessions",
    "set_active",
    "set_password",
    "sign_in",
    "sign_out",
]
