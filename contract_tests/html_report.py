"""A report QA can attach: one self-contained HTML file (no script, no network) with the run's target,
mode, contract version, seed (and how to replay it) and time, the totals, and each case with its
outcome and, when it failed, its bug report (sent, got, expected, rule). Every text passes through the
run's redaction first.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 32px auto; max-width: 1100px; color: #1d1d1f; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } .meta { color: #555; margin: 0 0 18px; }
.totals { font-weight: 600; padding: 10px 14px; border-radius: 8px; background: #f2f2f2; }
.totals.failed { background: #fde8e7; } .totals.passed { background: #e6f4ea; }
table { border-collapse: collapse; width: 100%; margin-top: 18px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
.outcome { font-weight: 700; font-size: 12px; } .passed .outcome { color: #1e7e34; }
.failed .outcome { color: #b3261e; } .skipped .outcome { color: #8a6d00; }
pre { white-space: pre-wrap; word-break: break-word; background: #f7f7f8; padding: 10px; border-radius: 6px;
      font-size: 12.5px; margin: 6px 0 0; }
"""


def render(run: dict[str, str], generated_at: str, rows, closing: str, bugs: dict, scrub: Callable[[str], str]) -> str:
    """``rows``: (case, title, outcome, reason); ``bugs``: case -> [(test, bug report text)]."""
    failed = any(outcome == "failed" for _, _, outcome, _ in rows)
    body = []
    for case, title, outcome, reason in rows:
        reports = "".join(
            f"<details open><summary>{escape(test)}</summary><pre>{escape(scrub(text.strip(chr(10))))}</pre></details>"
            for test, text in bugs.get(case, [])
        )
        body.append(
            f'<tr class="{outcome}" id="{escape(case)}"><td>{escape(case)}</td><td>{escape(title)}</td>'
            f'<td class="outcome">{outcome.upper()}</td><td>{escape(scrub(reason))}{reports}</td></tr>'
        )
    meta = " · ".join(
        f"{label}: <b>{escape(scrub(run.get(key, '')))}</b>"
        for key, label in (("target", "target"), ("mode", "mode"), ("contract_version", "contract"), ("seed", "seed"))
    )
    replay = f"<br>replay this run's examples: <code>{escape(run['replay'])}</code>" if run.get("replay") else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Contract report: {escape(scrub(run.get("target", "")))}</title>
<style>{STYLE}</style></head>
<body>
<h1>Multi-Slot Distribution contract report</h1>
<p class="meta">{meta} · run at {escape(generated_at)}{replay}</p>
<p class="totals {"failed" if failed else "passed"}">{escape(scrub(closing))}</p>
<table><thead><tr><th>case</th><th>title</th><th>outcome</th><th>why (and the bug report of a failure)</th></tr></thead>
<tbody>
{"".join(body)}
</tbody></table>
</body></html>
"""
