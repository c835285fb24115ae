"""Authentication: who is asking? (bearer tokens → a user, or 401)."""
from .authenticator import Authenticator, Unauthenticated, bearer_token, unauthorized
from .serviceaccount import ISSUER, AuthenticationError, ServiceAccountTokens
from .token_file import StaticTokens
from .user import UserInfo, authenticated

__all__ = ["Authenticator", "AuthenticationError", "ISSUER", "ServiceAccountTokens", "StaticTokens",
           "Unauthenticated", "UserInfo", "authenticated", "bearer_token", "unauthorized"]
