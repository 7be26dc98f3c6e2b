"""What an integrator reads in /api/v1/openapi.json is what the API answers: problem details with
their schema, the 401 challenge, a full `Allow` on 405, enums and limits, and no bogus field names."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import Api

PROBLEM = "application/problem+json"
ERRORS = {"400", "401", "403", "404", "409", "413", "422"}


def document(api: Api) -> dict[str, Any]:
    answer = api.anonymous.get("/openapi.json")
    assert answer.status_code == 200
    return answer.json()  # type: ignore[no-any-return]


def test_every_error_is_documented_as_a_problem_with_its_schema(api: Api) -> None:
    doc = document(api)
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert set(schemas["Problem"]["required"]) == {"type", "title", "status"}
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            assert "401" in responses, (method, path)
            for status, response in responses.items():
                if status in ERRORS:
                    assert response["content"] == {
                        PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }, (method, path, status)
            assert responses["401"]["headers"]["WWW-Authenticate"]
    assert "403" in doc["paths"]["/organizations"]["get"]["responses"]
    assert {"400", "413", "404", "409", "422"} <= set(doc["paths"]["/tickets"]["post"]["responses"])
    # linking a channel answers 201, or 200 when it was linked already
    assert {"200", "201"} <= set(doc["paths"]["/organizations/{name}/channels"]["post"]["responses"])


def test_closed_vocabularies_and_limits_are_in_the_schema(api: Api) -> None:
    doc = document(api)
    schemas = doc["components"]["schemas"]
    create = schemas["TicketCreate"]["properties"]
    assert create["severity"]["enum"] == ["S1", "S2", "S3", "S4"]
    assert create["title"]["minLength"] == 1 and create["title"]["pattern"] == r"\S"
    patch = schemas["TicketPatch"]
    assert patch["minProperties"] == 1 and schemas["OrganizationPatch"]["minProperties"] == 1
    status = patch["properties"]["status"]["anyOf"][0]["enum"]
    assert status == ["open", "in_progress", "waiting_on_customer", "resolved", "closed"]
    assert schemas["WebhookIn"]["properties"]["events"]["items"]["enum"][0] == "ticket.created"
    feature = doc["paths"]["/organizations/{name}/features/{feature}"]["put"]["parameters"][1]
    assert feature["schema"]["enum"] == ["slack", "lark"]
    webhook_id = doc["paths"]["/webhooks/{webhook_id}"]["delete"]["parameters"][0]["schema"]
    assert (webhook_id["minimum"], webhook_id["maximum"]) == (1, 2**63 - 1)


def test_a_401_names_the_bearer_scheme(api: Api) -> None:
    for answer in (
        api.anonymous.get("/tickets"),
        api.anonymous.get("/tickets", headers={"Authorization": "Bearer adk_unknown"}),
        api.anonymous.get("/tickets", headers={"Authorization": "Basic YWRhOnB3"}),
    ):
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"
        assert answer.headers["content-type"] == PROBLEM


def test_a_405_allows_every_method_of_the_path(api: Api) -> None:
    answer = api.agent.delete("/tickets")
    assert answer.status_code == 405 and answer.headers["content-type"] == PROBLEM
    assert answer.headers["allow"] == "GET, POST"
    one = api.agent.post("/tickets/SUP-1")
    assert one.status_code == 405 and one.headers["allow"] == "GET, PATCH"


def test_a_truncated_body_is_named_as_the_body(api: Api) -> None:
    answer = api.agent.post(
        "/tickets", content=b'{"org": "Acme", "title": "Lo', headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {"field": "body", "message": "the body is not valid JSON (is it cut short?)"}
    ]


def test_values_outside_the_schema_are_refused_and_change_nothing(api: Api) -> None:
    zero_width = api.admin.post(
        "/organizations/Acme/channels", json={"platform": "slack", "workspace": "T1", "channel": "C1\u200b"}
    )
    assert zero_width.status_code == 422 and zero_width.json()["errors"][0]["field"] == "channel"
    control = api.admin.post(
        "/organizations/Acme/channels", json={"platform": "slack", "workspace": "T\x07", "channel": "C1"}
    )
    assert control.status_code == 422 and control.json()["errors"][0]["field"] == "workspace"
    assert api.admin.get("/organizations/Acme/channels").json() == []
    assert api.admin.patch("/organizations/Acme", json={}).status_code == 422
    assert api.agent.patch("/tickets/SUP-1", json={}).status_code == 422
    lowercase = api.agent.post(
        "/tickets", json={"org": "Acme", "reporter_email": "ann@acme.example", "title": "t", "severity": "s2"}
    )
    assert lowercase.status_code == 422
    assert lowercase.json()["detail"] == "severity: unknown severity 's2' (choose one of: S1, S2, S3, S4)"
    assert api.admin.put("/organizations/Acme/features/teams", json={"enabled": True}).status_code == 422
    assert api.admin.put("/organizations/Acme/features/slack", json={"enabled": 0}).status_code == 422
    assert api.admin.delete(f"/webhooks/{2**63}").status_code == 422
    assert api.admin.post(f"/outbox/{2**64}/retry").status_code == 422
    assert api.agent.get("/tickets").json()["items"] == []
    assert api.admin.get("/organizations/Acme").json()["features"] == {"slack": "off", "lark": "off"}
