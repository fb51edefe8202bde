"""A real SMTP server on 127.0.0.1 for e-mail tests (aiosmtpd): records every message it is
sent and answers each recipient's DATA with a scripted sequence of replies (the last one
repeats; "250 OK" by default), so a test can make one address answer 451 or 550."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, cast

from aiosmtpd.controller import Controller

from .azurite import free_port


@dataclass
class Received:
    to: list[str]
    message: EmailMessage
    reply: str
    raw: bytes = b""  # the DATA as the server got it, for checks the parser would hide

    def header_names(self) -> list[str]:
        return [name.lower() for name in self.message]

    @property
    def accepted(self) -> bool:
        return self.reply.startswith("250")

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return cast(str, cast(EmailMessage, body).get_content())


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Received] = []
        self._scripts: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def env(self) -> dict[str, str]:
        """The devhost settings that send the app's e-mail here."""
        return {"EMAIL_MODE": "smtp", "EMAIL_SENDER": "referrals@localhost",
                "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.port)}

    def script(self, address: str, replies: list[str]) -> None:
        with self._lock:
            self._scripts[address.lower()] = list(replies)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            to = [str(a) for a in envelope.rcpt_tos]
            script = self._scripts.get(to[0].lower()) if to else None
            reply = "250 OK" if not script else script.pop(0) if len(script) > 1 else script[0]
            message = cast(EmailMessage, message_from_bytes(envelope.content,
                                                            policy=policy.default))
            self.messages.append(Received(to, message, reply, bytes(envelope.content)))
        return reply

    def received(self, address: str, subject_has: str = "", *, accepted_only: bool = True
                 ) -> list[Received]:
        with self._lock:
            return [m for m in self.messages
                    if address.lower() in (t.lower() for t in m.to)
                    and subject_has in str(m.message["Subject"])
                    and (m.accepted or not accepted_only)]

    def wait_for(self, address: str, subject_has: str = "", count: int = 1,
                 timeout: float = 20.0, *, accepted_only: bool = True) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received(address, subject_has, accepted_only=accepted_only)
            if len(got) >= count:
                return got
            time.sleep(0.1)
        raise AssertionError(f"expected {count} e-mail(s) to {address} ({subject_has!r}), got "
                             f"{len(self.received(address, subject_has))}")

    def stop(self) -> None:
        self._controller.stop()


_session: list[Mailbox] = []


def session_mailbox() -> Mailbox:
    """The one SMTP server every devhost of a test session e-mails (started on first use;
    the ``mailbox`` fixture stops it at the end of the session)."""
    if not _session:
        _session.append(Mailbox())
    return _session[0]


def stop_session_mailbox() -> None:
    if _session:
        _session.pop().stop()
