"""Request field types that say in the OpenAPI document exactly what the API accepts.

An integrator (and the OpenAPI fuzzer run in CI) reads the document as the contract: a value the schema
allows must not be refused for its shape, and a value it forbids must be refused with a 422. So closed
vocabularies are `enum`s checked exactly (no case folding or trimming behind the schema's back), ids
carry the largest value the databases store, and chat ids forbid what no platform id contains.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

# The largest value of a signed 64-bit column: larger ids cannot exist, and the drivers refuse them.
MAX_ID = 2**63 - 1

# Chat platform ids (Slack `C0123ABCD`, `T0123ABCD`; Lark `oc_…`, tenant keys) are short ASCII words.
# Control, format (zero-width, bidi) and space characters never occur in them; refusing them keeps
# look-alike ids out of the link table. The pattern reads the same in Python, ECMAScript and Rust.
CHAT_ID_PATTERN = (
    r"^[^\x00-\x20\x7f-\xa0\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    r"\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb]+$"
)

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


@dataclass(frozen=True)
class OneOf:
    """`Annotated[str, OneOf(values, what=…)]`: exactly one of `values`, documented as an `enum`;
    anything else is refused with the wording the domain uses."""

    choices: tuple[str, ...]
    what: str

    def _check(self, raw: str) -> str:
        if raw not in self.choices:
            raise ValueError(f"unknown {self.what} {raw!r} (choose one of: {', '.join(self.choices)})")
        return raw

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "enum": list(self.choices)}


def choices(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


class NotBlank:
    """`Annotated[str, NotBlank()]`: some text besides white space (documented as the pattern `\\S`)."""

    def _check(self, raw: str) -> str:
        if not raw.strip():
            raise ValueError("must not be empty")
        return raw

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        documented = handler(schema)
        documented["pattern"] = r"\S"
        return documented
