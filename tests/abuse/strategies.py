"""Hypothesis strategies for what an attacker or a confused proxy may send: a real platform body
with one value swapped for anything JSON can hold, truncated, nested absurdly, or plain noise."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import strategies as st

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value that another value could take."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(paths(child, (*prefix, index)))
    return found


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    out = copy.deepcopy(value)
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return out


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> str:
    """A body Slack or Lark could almost have sent: one value replaced, or the text cut short."""
    kind = draw(st.sampled_from(["replace", "replace", "truncate", "deep", "noise"]))
    if kind == "replace":
        path = draw(st.sampled_from(paths(base)))
        return json.dumps(replaced(base, path, draw(JSON_VALUES)))
    if kind == "truncate":
        text = json.dumps(base)
        return text[: draw(st.integers(min_value=0, max_value=len(text) - 1))]
    if kind == "deep":
        depth = draw(st.integers(min_value=20, max_value=5000))
        return '{"event":' * depth + "1" + "}" * depth
    return draw(st.text(max_size=200))
