"""Identity: accounts, passwords with lock-out, API tokens. Imported by web/ and cli only."""

from ecociv.users.model import ApiTokenInfo, IssuedToken, UserAccount
from ecociv.users.services import (
    account_for_session,
    account_for_token,
    actor_of,
    authenticate,
    change_password,
    create_token,
    create_user,
    list_tokens,
    list_users,
    revoke_token,
    set_active,
    set_password,
)

__all__ = [
    "ApiTokenInfo",
    "IssuedToken",
    "UserAccount",
    "account_for_session",
    "account_for_token",
    "actor_of",
    "authenticate",
    "change_password",
    "create_token",
    "create_user",
    "list_tokens",
    "list_users",
    "revoke_token",
    "set_active",
    "set_password",
]
