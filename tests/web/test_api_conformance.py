"""The REST API answers as its OpenAPI document says, as checked by a fuzzer nobody here wrote.

schemathesis reads `/api/v1/openapi.json` from the real app on a loopback port and sends what the
document allows and what it forbids (boundary values, wrong types, missing fields, unknown methods, no
token), with a fixed seed and a bounded number of examples per operation. The run fails on a server
error, a status code or content type the document does not list, a body or header that does not match
its schema, a forbidden request that is accepted, a 405 without a full `Allow`, or a token ignored.

Left out: `positive_data_acceptance`, which expects every schema-valid request to succeed; a schema
cannot say "the reporter must be a contact of that organization", so those requests rightly get 422.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistdesk.app import create_app
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import TicketSource
from assistdesk.runtime import Runtime
from tests.fakes.live import LiveServer

CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = 20261207
MAX_EXAMPLES = 10


@pytest.fixture
def served(runtime: Runtime) -> Iterator[tuple[str, str]]:
    """The app without its worker (webhooks the fuzzer adds are never called), an admin token, and
    the organization, contact and ticket the document's examples name."""

    def seed(uow):  # type: ignore[no-untyped-def]
        admin = people.add_agent(uow, email="ada@vendor.example", name="Ada Admin", admin=True)
        token, _ = people.create_token(uow, agent=admin)
        org = orgs.create_org(uow, name="Acme", plan="premium", domains=["acme.example"])
        ann = people.add_contact(uow, email="ann@acme.example", org=org, name="Ann")
        tickets.create_ticket(
            uow, org=org, reporter=ann, title="Login fails", source=TicketSource.API, prefix="SUP"
        )
        return token

    token: str = runtime.db.run(seed)
    server = LiveServer(create_app(runtime=runtime))
    try:
        yield server.url, token
    finally:
        server.close()


def test_the_api_answers_as_its_openapi_document_says(served: tuple[str, str], tmp_path: Path) -> None:
    url, token = served
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG)),
        *("run", f"{url}/api/v1/openapi.json"),
        *("--header", f"Authorization: Bearer {token}"),
        *("--checks", "all", "--exclude-checks", "positive_data_acceptance"),
        *("--seed", str(SEED), "--max-examples", str(MAX_EXAMPLES)),
        # one worker: hypothesis parses lambdas' source with `ast`, which CPython 3.11.7 cannot do
        # from several threads at once
        *("--workers", "1", "--request-timeout", "10", "--no-color", "--output-truncate", "true"),
    ]
    # run in an empty directory: what the fuzzer keeps between runs stays there
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        # the report, with each line cut short (a generated body can be megabytes on one line)
        report = "\n".join(line[:400] for line in (result.stdout + result.stderr).splitlines()[-400:])
        pytest.fail(report, pytrace=False)
    tested = re.search(r"Tested: (\d+)", result.stdout)
    assert tested and int(tested.group(1)) >= 21, result.stdout[-3_000:]  # every operation was reached
