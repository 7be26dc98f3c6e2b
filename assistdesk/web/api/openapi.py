"""The OpenAPI document as the API really answers.

FastAPI documents only the success of each operation and its own validation error body as
`application/json`. Every error this API gives is RFC 9457 `application/problem+json` (web/problems.py),
so each operation's error answers are written here from what the operation can meet:

- 401 always (with `WWW-Authenticate: Bearer`), 403 on admin resources;
- 404 where something is named (a path parameter, an organization, a person);
- 400 (unreadable body), 409 (clashes with current state) and 413 (body too large) where a body is sent;
- 422 wherever a parameter or a body is checked.

The fuzzer test (tests/web/test_api_conformance.py) fails when an answer is missing from here.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from assistdesk.web.problems import MEDIA_TYPE

WRITES = {"post", "put", "patch", "delete"}
_DESCRIPTIONS = {
    "400": "The body is not readable (not JSON, or not in the declared encoding)",
    "401": "No API token, or an unknown or revoked one",
    "403": "The token's scope does not allow this",
    "404": "Something the request names does not exist",
    "409": "The request clashes with the current state",
    "413": "The body is larger than the server accepts",
    "422": "A parameter or a field of the body is invalid; `errors` names each one",
}


class FieldError(BaseModel):
    field: str = Field(description="the parameter or body field, dotted (`body` for the body as a whole)")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=["about:blank"])
    title: str = Field(examples=["Invalid input"])
    status: int = Field(ge=400, le=599)
    detail: str | None = Field(default=None, description="what went wrong, for people")
    field: str | None = Field(default=None, description="the input at fault, when there is one")
    errors: list[FieldError] | None = Field(default=None, description="on 422: every invalid input")


def _problem_response(status: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": _DESCRIPTIONS[status],
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status == "401":
        response["headers"] = {
            "WWW-Authenticate": {
                "description": "`Bearer`",
                "schema": {"type": "string", "pattern": "^Bearer"},
            }
        }
    return response


def _error_statuses(method: str, operation: dict[str, Any]) -> list[str]:
    has_body = "requestBody" in operation
    has_params = bool(operation.get("parameters"))
    statuses = ["401"]
    if "admin" in operation.get("tags", ()):
        statuses.append("403")
    if has_params or has_body:
        statuses += ["404", "422"]
    if has_body:
        statuses += ["400", "413"]
    if method in WRITES:
        statuses.append("409")
    return sorted(statuses)


def problem_document(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        servers=app.servers,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    components["FieldError"] = FieldError.model_json_schema()
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    problem.pop("$defs", None)
    components["Problem"] = problem
    for methods in schema.get("paths", {}).values():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            for status in _error_statuses(method, operation):
                responses[status] = _problem_response(status)
            operation["responses"] = dict(sorted(responses.items()))
    return schema


def install(app: FastAPI) -> None:
    """Serve `problem_document` at the app's openapi_url (built once, on first use)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problem_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
