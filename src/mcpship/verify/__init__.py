"""Proving artifacts work: each is run the way its users run it, and its interface is compared with the lock."""

from mcpship.verify.context import VerifyContext
from mcpship.verify.driver import verify_dist
from mcpship.verify.result import VerifyResult

__all__ = ["VerifyContext", "VerifyResult", "verify_dist"]
