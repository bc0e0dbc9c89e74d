"""axe-core (from npm, pinned in tests/e2e/rp/package-lock.json) run inside a page a browser test has open.

The script is evaluated through the DevTools protocol rather than added as a
<script> tag, so the pages' Content-Security-Policy stays as it is served.
"""

from functools import cache

from tests.support.node import relying_party_dir

# What WCAG 2.2 AA asks (axe's tags for each level), plus axe's best practices.
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING_IMPACTS = {"serious", "critical"}


@cache
def axe_source() -> str:
    return (relying_party_dir("axe-core") / "node_modules" / "axe-core" / "axe.min.js").read_text()


def blocking_violations(page) -> list[str]:
    """Every serious or critical axe violation on the page as it is now: "rule: element (message)"."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", RULE_TAGS
    )
    return [
        f"{violation['id']}: {' '.join(map(str, node['target']))} ({node['failureSummary'].splitlines()[-1].strip()})"
        for violation in result["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
        for node in violation["nodes"]
    ]
