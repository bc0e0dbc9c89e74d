"""Reading an app's quickstart page as a developer copies it: each step's shell and Python code."""

import html
import re


def steps_on_page(page: str) -> dict[str, dict[str, str]]:
    """{title: {"shell": code, "python": code}} of a quickstart page, unescaped as a browser shows them."""
    steps = {}
    for section in re.findall(r'<section class="card">(.*?)</section>', page, re.S):
        title = re.search(r"<h2>\d+\. (.*?)</h2>", section)
        if title:
            blocks = re.findall(r'<pre id="step-\d+(-python)?"><code>(.*?)</code></pre>', section, re.S)
            steps[html.unescape(title.group(1))] = {
                ("python" if suffix else "shell"): html.unescape(code) for suffix, code in blocks
            }
    return steps
