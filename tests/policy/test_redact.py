"""Redaction: secret-keyed values and known secret strings never reach a journal or a log."""

from __future__ import annotations

import io
import logging
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkout_mcp.policy.redact import REDACTED, RedactingFilter, Redactor, is_secret_key

ACCESS_TOKEN = "at_8f3kq9zz0c1vx7"
CHECKOUT_TOKEN = "eyJhbGciOi.checkout.tok3n"


@pytest.mark.parametrize(
    "key",
    [
        "token",
        "access_token",
        "checkoutToken",
        "checkout_token",
        "authorization",
        "Authorization",
        "password",
        "X-Auth-Token",
        "cookie",
        "Set-Cookie",
        "SHOP_SESSION_TOKEN",
        "client_secret",
        "api_key",
    ],
)
def test_secret_keys_are_recognised(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key", ["confirmation_id", "idempotency_key", "checkout_id", "order_id", "tokens_used"]
)
def test_ordinary_keys_are_not_secret(key: str) -> None:
    assert not is_secret_key(key)


def test_values_under_secret_keys_are_replaced_at_any_depth() -> None:
    value = {
        "checkout_id": "c1",
        "confirmation_id": "keep-me",
        "headers": {"X-Auth-Token": "abc", "Accept": "application/json"},
        "tokens": [{"checkoutToken": "xyz", "max_uses": 1}],
        "password": None,
    }
    assert Redactor().redact(value) == {
        "checkout_id": "c1",
        "confirmation_id": "keep-me",
        "headers": {"X-Auth-Token": REDACTED, "Accept": "application/json"},
        "tokens": [{"checkoutToken": REDACTED, "max_uses": 1}],
        "password": None,
    }


def test_known_secret_values_are_replaced_inside_any_string() -> None:
    redactor = Redactor([ACCESS_TOKEN, None, ""])
    redactor.register(CHECKOUT_TOKEN)
    value = {
        "url": f"https://shop.example/order-confirmation/7?t={CHECKOUT_TOKEN}",
        "error": f"401 for token {ACCESS_TOKEN}",
        "list": (ACCESS_TOKEN, 3),
    }
    redacted = redactor.redact(value)
    assert redacted == {
        "url": f"https://shop.example/order-confirmation/7?t={REDACTED}",
        "error": f"401 for token {REDACTED}",
        "list": [REDACTED, 3],
    }


def test_a_secret_containing_another_is_replaced_whole() -> None:
    redactor = Redactor(["abc", "abcdef"])
    assert redactor.redact_text("x abcdef y abc") == f"x {REDACTED} y {REDACTED}"


@given(
    secrets=st.lists(st.text(alphabet="ab.-_1", min_size=1, max_size=6), max_size=8),
    text=st.text(alphabet="ab.-_1 /x", max_size=60),
)
def test_known_secrets_are_replaced_as_one_alternation_of_them_longest_first_would(
    secrets: list[str], text: str
) -> None:
    """The leftmost secret first and, of those starting at one place, the longest: what the regular
    expression of all secrets, longest first, did before secrets were kept by length."""
    ordered = sorted(set(secrets), key=len, reverse=True)
    expected = re.sub("|".join(map(re.escape, ordered)), REDACTED, text) if ordered else text
    assert Redactor(secrets).redact_text(text) == expected


def test_a_secret_registered_later_with_new_characters_is_found() -> None:
    redactor = Redactor(["aaaa"])
    redactor.register("b/b")  # shorter, and a character no secret had
    assert redactor.redact_text("xaaaay b/b aaaab/bz") == f"x{REDACTED}y {REDACTED} {REDACTED}{REDACTED}z"


def test_bearer_credentials_are_replaced_even_when_unknown() -> None:
    assert Redactor().redact_text("Authorization: Bearer s3cr3t.v4lue") == f"Authorization: Bearer {REDACTED}"


def test_the_logging_filter_redacts_messages_and_tracebacks() -> None:
    redactor = Redactor([ACCESS_TOKEN])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(redactor))
    logger = logging.getLogger("tests.policy.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("calling with %s", ACCESS_TOKEN)
        try:
            raise RuntimeError(f"upstream refused {ACCESS_TOKEN}")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert ACCESS_TOKEN not in output
    assert f"calling with {REDACTED}" in output
    assert f"upstream refused {REDACTED}" in output
