"""axe-core (npm `axe-core`, pinned in tests/pages/package-lock.json; `npm ci` in tests/pages puts it
in node_modules, ./scripts/test does so when it is missing) run inside a Playwright page.

The pages forbid inline scripts (Content-Security-Policy), so the browser context that audits is made
with `bypass_csp=True`: only the test's own script gets in that way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).with_name("node_modules") / "axe-core" / "axe.min.js"
FAILING = ("moderate", "serious", "critical")
# Minor by axe's measure, but a column nobody can name is a gap this project closed: kept closed.
ALWAYS = ("empty-table-header",)

_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ")),
  }));
}"""


def violations(page: Page) -> list[str]:
    """axe's violations of impact moderate or higher (and those in ALWAYS) on the page as it is now,
    one line each."""
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: run `npm ci` in tests/pages (./scripts/test does)")
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(_RUN)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {'; '.join(v['nodes'])}"
        for v in found
        if v["impact"] in FAILING or v["id"] in ALWAYS
    ]


_WIDEST = """() => {
  const wider = [...document.querySelectorAll("body *")].filter(
    e => e.getBoundingClientRect().right > window.innerWidth + 1 && !(e.parentElement && e.parentElement.closest("table")));
  return wider.filter(e => !wider.some(o => o !== e && e.contains(o))).slice(0, 3)
    .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : ""));
}"""


def overflow(page: Page) -> str | None:
    """None when nothing scrolls the page sideways, else by how much and the elements that stick out."""
    width: int = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if width <= 0:
        return None
    culprits: list[str] = page.evaluate(_WIDEST)
    return f"the page is {width} px wider than the screen ({', '.join(culprits) or 'a table'})"
