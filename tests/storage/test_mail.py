"""Mail from the server: written whole into the outbox folder when no mail server is set, handed to the mail
server when one is (here a small SMTP server on the loopback interface), and a clear error when the server
cannot be reached."""

from __future__ import annotations

import email
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rtcc.config import Settings
from rtcc.storage.mail import Mailer, MailNotSent, data_folder
from tests.conftest import free_port


class SmtpSession(socketserver.StreamRequestHandler):
    """Just enough of SMTP (RFC 5321) to take one message: greeting, EHLO, MAIL, RCPT, DATA, QUIT."""

    received: list[tuple[str, list[str], bytes]] = []

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 localhost test server")
        sender, recipients = "", []
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ", 1)[0].upper()
            text = line.decode().strip()
            if verb in ("EHLO", "HELO"):
                self.reply("250 localhost")
            elif verb == "MAIL":
                sender = text.split(":", 1)[1].strip(" <>")
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(text.split(":", 1)[1].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                self.received.append((sender, recipients, data))
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[tuple[str, list[str], bytes]]]]:
    port = free_port()
    received: list[tuple[str, list[str], bytes]] = []
    handler = type("Session", (SmtpSession,), {"received": received})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield port, received
    server.shutdown()
    server.server_close()


def test_without_a_mail_server_each_message_is_a_whole_eml_file_in_the_outbox(tmp_path: Path) -> None:
    mailer = Mailer(sender="rtcc@city.example", smtp_url="", outbox=tmp_path / "outbox")
    first = mailer.send("dana@example.org", "Confirm your camera registration", "Open this link: x\n")
    second = mailer.send("lee@example.org", "Another", "Hello\n")
    assert first is not None and second is not None and first != second
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == sorted([first.name, second.name])
    msg = email.message_from_bytes(first.read_bytes())
    assert (msg["From"], msg["To"], msg["Subject"]) == (
        "rtcc@city.example",
        "dana@example.org",
        "Confirm your camera registration",
    )
    assert msg["Message-ID"] and msg["Date"]
    assert msg.get_payload(decode=True) == b"Open this link: x\n"


def test_with_a_mail_server_the_message_is_sent_to_it(
    tmp_path: Path, smtp_server: tuple[int, list[tuple[str, list[str], bytes]]]
) -> None:
    port, received = smtp_server
    mailer = Mailer(
        sender="rtcc@city.example", smtp_url=f"smtp://127.0.0.1:{port}", outbox=tmp_path / "outbox"
    )
    assert mailer.send("dana@example.org", "A request for footage", "Please look.\n") is None
    ((sender, recipients, data),) = received
    assert (sender, recipients) == ("rtcc@city.example", ["dana@example.org"])
    msg = email.message_from_bytes(data)
    assert msg["Subject"] == "A request for footage"
    assert not (tmp_path / "outbox").exists()


def test_an_unreachable_mail_server_is_reported_not_swallowed(tmp_path: Path) -> None:
    mailer = Mailer(sender="rtcc@city.example", smtp_url=f"smtp://127.0.0.1:{free_port()}", outbox=tmp_path)
    with pytest.raises(MailNotSent, match="did not take the message"):
        mailer.send("dana@example.org", "Hello", "Hello\n")
    with pytest.raises(MailNotSent, match="scheme"):
        Mailer(sender="a@b.c", smtp_url="http://127.0.0.1:25", outbox=tmp_path).send("d@e.f", "x", "y")


def test_the_data_folder_is_the_setting_or_beside_the_sqlite_database(tmp_path: Path) -> None:
    assert (
        data_folder(Settings(mode="demo", database_url="sqlite:///x.db", data_dir=str(tmp_path / "d")))
        == tmp_path / "d"
    )
    beside = data_folder(Settings(mode="demo", database_url=f"sqlite:///{tmp_path / 'db' / 'rtcc.db'}"))
    assert beside == tmp_path / "db" / "rtcc-data"
    assert Mailer.from_settings(
        Settings(mode="demo", database_url="sqlite:///x.db", data_dir=str(tmp_path))
    ).outbox == (tmp_path / "outbox")
