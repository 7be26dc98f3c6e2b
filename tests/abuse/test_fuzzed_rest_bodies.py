"""Whatever JSON (or not-JSON) reaches the REST API's write endpoints, the answer is a 2xx or a 4xx
problem, never a 5xx."""

# ruff: noqa: F811  (the fixture imported from tests/web is used by name)
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.abuse.strategies import JSON_VALUES
from tests.web.conftest import Api, api  # noqa: F401  (the fixture)

FUZZ = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ENDPOINTS = [
    ("POST", "/tickets"),
    ("PATCH", "/tickets/SUP-1"),
    ("POST", "/tickets/SUP-1/comments"),
    ("POST", "/organizations"),
    ("PATCH", "/organizations/Acme"),
    ("POST", "/organizations/Acme/contacts"),
    ("POST", "/organizations/Acme/channels"),
    ("POST", "/webhooks"),
    ("GET", "/tickets?cursor={text}&limit={text}&status={text}"),
]
TICKET = {
    "org": "Acme",
    "reporter_email": "ann@acme.example",
    "title": "t",
    "description": "d",
    "severity": "S3",
}


def bodies() -> st.SearchStrategy[bytes]:
    near = st.builds(
        lambda key, value: json.dumps({**TICKET, key: value}).encode(),
        st.sampled_from([*TICKET, "status", "public", "body", "name", "plan", "url", "events", "email"]),
        JSON_VALUES,
    )
    return st.one_of(near, JSON_VALUES.map(lambda v: json.dumps(v).encode()), st.binary(max_size=64))


@FUZZ
@given(endpoint=st.sampled_from(ENDPOINTS), body=bodies(), text=st.text(max_size=30))
def test_fuzzed_rest_requests_never_get_a_server_error(
    api: Api, endpoint: tuple[str, str], body: bytes, text: str
) -> None:
    method, path = endpoint
    if "{text}" in path:
        answer = api.admin.request(
            method, path.split("?")[0], params={"cursor": text, "limit": text, "status": text}
        )
    else:
        answer = api.admin.request(method, path, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code < 500, (method, path, body[:200], answer.text[:300])
