"""The inbox's page: plain HTML, every value escaped, no script."""

from __future__ import annotations

import html
import json
import time

from .store import Inbox, Received

STYLE = """body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem;
color:#1b1b1b}h1{font-size:1.4rem}form{display:flex;gap:.5rem;flex-wrap:wrap;margin:.5rem 0}
form label{flex:1 1 100%}input[type=text]{flex:1 1 20rem;font:inherit;padding:.35rem}
button{font:inherit}
article{border:1px solid #ccc;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
h2{font-size:1.05rem;margin:.3rem 0}.ok{color:#0b6b2b}.bad{color:#a4262c}.muted{color:#555}
table{border-collapse:collapse;font-size:.9rem}td,th{text-align:left;padding:.1rem .6rem .1rem 0;
vertical-align:top}pre{background:#f4f4f4;padding:.5rem;overflow:auto;max-height:20rem}
.badge{font-weight:600}"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _body(item: Received) -> str:
    event = item.event()
    text = json.dumps(event, indent=2) if event is not None \
        else item.body.decode("utf-8", "replace")
    return f"<details><summary>Body ({len(item.body)} bytes)</summary><pre>{_e(text)}</pre>" \
           "</details>"


def _item(inbox: Inbox, item: Received) -> str:
    verdict = inbox.verdict(item)
    event = item.event() or {}
    title = f"{event.get('type', 'not a CloudEvent')} to {item.path}"
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(item.at))
    mark = ("ok", "Signature verifies", verdict.text.removeprefix("verified ")) \
        if verdict.verified else ("bad", "Not verified:", verdict.text)
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in item.headers.items())
    return (f'<article id="d{item.number}"><h2>#{item.number} {_e(title)}</h2>'
            f'<p><span class="badge {mark[0]}">{mark[1]}</span> {_e(mark[2])}. '
            f'<span class="muted">Received {_e(when)}; subject {_e(event.get("subject", "-"))}'
            f"</span></p><details><summary>Headers</summary><table>{rows}</table></details>"
            f"{_body(item)}</article>")


def render(inbox: Inbox, notice: str = "") -> str:
    items = inbox.items()
    labels = inbox.secret_labels()
    secrets = ("Verifying with: " + ", ".join(_e(x) for x in labels)) if labels \
        else "No secret yet: deliveries show as not verified until one is given."
    listing = "".join(_item(inbox, x) for x in items) or \
        "<p class=muted>Nothing received yet. Point a webhookUrl here, e.g. " \
        "<code>http://127.0.0.1:1081/partner</code>.</p>"
    return ("<!doctype html><html lang=en><head><meta charset=utf-8>"
            '<meta name=viewport content="width=device-width,initial-scale=1">'
            "<title>Webhook inbox</title>"
            f"<style>{STYLE}</style></head><body><h1>Webhook inbox</h1>"
            f"<p>{len(items)} received (newest first; kept in memory; <a href=\"/\">reload</a>). "
            f"{secrets}</p>"
            f'{f"<p role=status>{_e(notice)}</p>" if notice else ""}'
            '<form method=post action="/secret"><label for=secret>The partner\'s webhook '
            "secret (from POST /api/profile/webhook/secret)</label>"
            '<input type=text id=secret name=secret placeholder="whsec_..." autocomplete=off>'
            "<button>Verify with it</button></form>"
            '<form method=post action="/clear"><button>Clear the inbox</button></form>'
            f"{listing}</body></html>")
