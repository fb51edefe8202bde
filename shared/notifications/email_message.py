"""The e-mail alert itself: subject, a plain-text and an HTML part (contract section 5, E-mail).

It says only what the partner's dashboard shows on the lead's card: the customer's name, the
kind of lead, the needs (products, services, industries), the respond-by time in UTC and a
link to the lead (``<DASHBOARD_URL>?referral=<id>``). The HTML is built from escaped values
only (a customer named ``<script>`` stays text) and reads on a phone: one column, 16 px text.
The ``Message-ID`` is ``<<event id>.<hash of the address>@referrals>``, the same on every retry.

Headers carry what a customer typed (the subject names the customer), so they are made safe
after any decoding, not before: one line (control characters, U+0085, U+2028 and U+2029 become
spaces) and no RFC 2047 encoded word (``=?`` becomes ``= ?``), because the e-mail library
decodes an encoded word and, before Python 3.11.10, writes a decoded CR/LF back out as a new
header (CVE-2024-6923). The message is also written with a policy that refuses any folded
header holding a line break that is not folding, whatever the interpreter.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime
from urllib.parse import quote

from shared.domain.enums import Category, EventType
from shared.domain.events import Event, address_hash
from shared.domain.models import Referral

KINDS = {Category.MARKETPLACE: "Marketplace lead", Category.QUALIFIED: "Qualified lead"}
# C0, DEL, C1 (U+0085 among them) and the Unicode line and paragraph separators.
_LINE_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# A line break in a folded header that folding whitespace does not follow: a new header line.
_BARE_NEWLINE = re.compile(r"\r\n[^ \t]|\r[^ \n\t]|\n[^ \t]")


class HeaderInjection(ValueError):
    """A header would have been written as more than one header line."""


def _checked(name: str, folded: str) -> str:
    if not folded.endswith("\n") or _BARE_NEWLINE.search(folded.rstrip("\r\n")):
        raise HeaderInjection(f"the {name} header would span several header lines")
    return folded


class StrictPolicy(EmailPolicy):
    """policy.default plus the check 3.11.10 added (``verify_generated_headers``)."""

    def fold(self, name: str, value: str) -> str:
        return _checked(name, super().fold(name, value))

    def fold_binary(self, name: str, value: str) -> bytes:
        folded = super().fold_binary(name, value)
        _checked(name, folded.decode("ascii", "replace"))
        return folded


STRICT = StrictPolicy()


def one_line(text: str) -> str:
    return _LINE_BREAKING.sub(" ", text)


def header_text(text: str) -> str:
    """Customer text fit for a header: one line, and nothing the reader would decode."""
    return one_line(text).replace("=?", "= ?")


@dataclass(frozen=True)
class Mail:
    """One e-mail to one address, as either transport sends it."""

    sender: str
    to: str
    subject: str
    text: str
    html: str
    message_id: str
    date: datetime

    def mime(self) -> EmailMessage:
        """Raises ValueError (HeaderInjection among them) for a message that cannot be sent:
        the delivery is then failed, not retried."""
        if _LINE_BREAKING.search(self.sender + self.to):  # also our RCPT TO and MAIL FROM
            raise HeaderInjection("the address holds a control character")
        msg = EmailMessage(policy=STRICT)
        msg["From"], msg["To"], msg["Subject"] = self.sender, self.to, self.subject
        msg["Message-ID"], msg["Date"] = self.message_id, format_datetime(self.date)
        msg["Auto-Submitted"] = "auto-generated"  # no out-of-office replies, please
        msg.set_content(self.text)
        msg.add_alternative(self.html, subtype="html")
        return msg


def message_id(event: Event, address: str) -> str:
    return f"<{event.id}.{address_hash(address)}@referrals>"


def hours_left(referral: Referral, at: datetime) -> int:
    """Whole hours left of the window at ``at`` (rounded up: 47h10m left is 48 hours)."""
    left = (referral.expiration_date_time or at) - at
    return max(0, math.ceil(left / timedelta(hours=1)))


def compose(event: Event, address: str, referral: Referral, sender: str,
            dashboard_url: str | None) -> Mail:
    name = header_text(referral.customer_profile.name)
    reminder = event.type is EventType.REMINDER
    hours = hours_left(referral, event.occurred)
    subject = (f"Reminder: {name}, {hours} hour{'' if hours == 1 else 's'} left to respond"
               if reminder else f"New referral: {name}")
    lead = ("A referral is still waiting for your answer." if reminder
            else "You have a new referral.")
    rows = _rows(referral)
    link = f"{dashboard_url}?referral={quote(referral.id, safe='')}" if dashboard_url else None
    return Mail(sender=sender, to=address, subject=subject, text=_text(lead, rows, link),
                html=_html(subject, lead, rows, link), message_id=message_id(event, address),
                date=event.occurred)


def _rows(referral: Referral) -> list[tuple[str, str]]:
    needs = referral.details.requirements
    expires = referral.expiration_date_time
    rows = [("Customer", one_line(referral.customer_profile.name)),
            ("Kind", KINDS[referral.qualification.category])]
    rows += [(label, one_line(", ".join(values))) for label, values in (
        ("Products", needs.products), ("Services", needs.services),
        ("Industries", needs.industries)) if values]
    if expires is not None:
        rows.append(("Respond by", expires.strftime("%Y-%m-%d %H:%M UTC")))
    return rows


def _text(lead: str, rows: list[tuple[str, str]], link: str | None) -> str:
    lines = [lead, ""] + [f"{label}: {value}" for label, value in rows]
    if link:
        lines += ["", f"Open it: {link}"]
    lines += ["", "You receive this as a contact of a location in your company's referral "
              "profile."]
    return "\n".join(lines) + "\n"


def _html(title: str, lead: str, rows: list[tuple[str, str]], link: str | None) -> str:
    e = html.escape
    cells = "".join(
        f'<tr><th style="text-align:left;padding:6px 12px 6px 0;vertical-align:top;'
        f'color:#555;font-weight:normal">{e(label)}</th>'
        f'<td style="padding:6px 0;font-weight:bold">{e(value)}</td></tr>'
        for label, value in rows)
    button = (f'<p style="margin:24px 0"><a href="{e(link, quote=True)}" style="background:'
              f'#0f6cbd;color:#fff;padding:12px 20px;border-radius:4px;text-decoration:none;'
              f'display:inline-block">Open the referral</a></p>') if link else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title></head>"
        '<body style="margin:0;padding:16px;font-family:Segoe UI,Helvetica,Arial,sans-serif;'
        'font-size:16px;line-height:1.5;color:#222">'
        '<div style="max-width:600px;margin:0 auto">'
        f"<p>{e(lead)}</p><table style=\"border-collapse:collapse\">{cells}</table>{button}"
        '<p style="color:#777;font-size:13px">You receive this as a contact of a location in '
        "your company's referral profile.</p></div></body></html>")
