"""The console's sign-in limit counts failures only: signing in often never locks an agent out."""

from __future__ import annotations

from tests.pages.conftest import PASSWORD, Desk, post_form


def sign_in(desk: Desk, email: str, password: str) -> int:
    return post_form(
        desk.client(), "/agent/login", "/agent/login", {"email": email, "password": password}
    ).status_code


def test_an_agent_who_signs_in_many_times_is_never_locked_out(desk: Desk) -> None:
    assert [sign_in(desk, "ada@vendor.example", PASSWORD) for _ in range(8)] == [303] * 8


def test_five_wrong_passwords_lock_that_email_for_a_while(desk: Desk) -> None:
    assert [sign_in(desk, "eve@vendor.example", "wrong") for _ in range(5)] == [401] * 5
    refused = post_form(
        desk.client(), "/agent/login", "/agent/login", {"email": "eve@vendor.example", "password": PASSWORD}
    )
    assert refused.status_code == 429 and "Too many attempts" in refused.text
    # another agent (a different email, the same address) still signs in
    assert sign_in(desk, "ada@vendor.example", PASSWORD) == 303
