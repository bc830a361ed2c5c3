"""Mail the server sends (the community camera program's confirmations and footage requests): through a mail
server when ``smtp_url`` is set, otherwise as ``.eml`` files in the ``outbox`` folder under the data folder,
where the demo shows them and a person (or a test) can open them."""

from __future__ import annotations

import smtplib
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from rtcc.config import Settings

SMTP_TIMEOUT_S = 15.0


def data_folder(settings: Settings) -> Path:
    """Where the server keeps files (settings.data_dir; empty: ``rtcc-data`` beside the SQLite database, or
    in the working directory when the database is not a file)."""
    if settings.data_dir:
        return Path(settings.data_dir)
    if settings.database_url.startswith("sqlite"):
        path = make_url(settings.database_url).database
        if path and path != ":memory:":
            return Path(path).resolve().parent / "rtcc-data"
    return Path.cwd() / "rtcc-data"


class MailNotSent(Exception):
    """The mail server refused the message or could not be reached."""


class Mailer:
    """Sends plain-text mail. Blocking: call it from a worker thread."""

    def __init__(self, *, sender: str, smtp_url: str, outbox: Path):
        self.sender = sender
        self.smtp_url = smtp_url
        self.outbox = outbox

    @classmethod
    def from_settings(cls, settings: Settings) -> Mailer:
        return cls(
            sender=settings.mail_from, smtp_url=settings.smtp_url, outbox=data_folder(settings) / "outbox"
        )

    def compose(self, to: str, subject: str, body: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = format_datetime(datetime.now(UTC))
        msg["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or "localhost")
        msg.set_content(body)
        return msg

    def send(self, to: str, subject: str, body: str) -> Path | None:
        """Send one message. Returns the file written when mail goes to the outbox, else None."""
        msg = self.compose(to, subject, body)
        if not self.smtp_url:
            return self._write(msg)
        parts = urlsplit(self.smtp_url)
        if parts.scheme not in ("smtp", "smtps"):
            raise MailNotSent(f"smtp_url: scheme {parts.scheme!r} is not smtp:// or smtps://")
        host = parts.hostname or "localhost"
        try:
            client: smtplib.SMTP
            if parts.scheme == "smtps":
                client = smtplib.SMTP_SSL(host, parts.port or 465, timeout=SMTP_TIMEOUT_S)
            else:
                client = smtplib.SMTP(host, parts.port or 25, timeout=SMTP_TIMEOUT_S)
            with client:
                client.ehlo_or_helo_if_needed()  # what the server offers is known only after EHLO
                if parts.scheme == "smtp" and client.has_extn("starttls"):
                    client.starttls()
                if parts.username:
                    client.login(parts.username, parts.password or "")
                client.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailNotSent(f"the mail server at {host} did not take the message ({exc})") from exc
        return None

    def _write(self, msg: EmailMessage) -> Path:
        self.outbox.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        # Written whole under a temporary name first, so a reader never sees half a message.
        partial = path.with_suffix(".part")
        partial.write_bytes(bytes(msg))
        partial.replace(path)
        return path
