"""SMTP relays that fail late, drop the line, refuse a recipient, never answer or refuse to talk."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest

from auditor.remind import SendError, SmtpSecurity, SmtpSettings, send_all
from auditor.remind.send import SMTP_TIMEOUT_S
from tests.conftest import EXAMPLE_AUDIT, loopback_send

RunCli = Callable[..., tuple[int, str, str]]
EXAMPLE = (*EXAMPLE_AUDIT, "--policy", "examples/politique.toml")
MESSAGES = 5  # the example's reminders with examples/politique.toml


@dataclass
class Relay:
    """A scripted SMTP relay on 127.0.0.1: one reply per command, misbehaving where told."""

    greeting: str = "220 relay.test ESMTP"
    quit_reply: str = "221 bye"
    refuse: dict[str, str] = field(default_factory=dict)
    """Recipient → the reply to its RCPT TO."""
    drop_in_data: int | None = None
    """Close the connection in the middle of this message's DATA (1 for the first)."""
    silent: bool = False
    """Accept the connection and never say a word."""
    auth: bool = False
    """Advertise AUTH PLAIN LOGIN in the EHLO reply (and refuse any AUTH)."""
    accepted: list[str] = field(default_factory=list)
    """The recipient of each message the relay accepted, in order."""
    port: int = 0

    def serve(self, listener: socket.socket, stop: threading.Event) -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                if self.silent:
                    stop.wait(10)
                    return
                self._session(conn.makefile("rb"), conn)

    def _session(self, lines: object, conn: socket.socket) -> None:
        def say(reply: str) -> None:
            conn.sendall(reply.encode() + b"\r\n")

        say(self.greeting)
        if not self.greeting.startswith("220"):
            return
        recipient = ""
        data_count = 0
        for raw in lines:  # type: ignore[attr-defined]
            command = raw.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                say("250-relay.test\r\n250 AUTH PLAIN LOGIN" if self.auth else "250 relay.test")
            elif verb == "AUTH":
                say("535 authentication failed")
            elif verb == "MAIL":
                say("250 OK")
            elif verb == "RCPT":
                recipient = command.split(":", 1)[1].strip(" <>")
                say(self.refuse.get(recipient, "250 OK"))
            elif verb == "DATA":
                data_count += 1
                say("354 go ahead")
                if data_count == self.drop_in_data:
                    lines.readline()  # type: ignore[attr-defined]
                    return
                while lines.readline() not in (b".\r\n", b""):  # type: ignore[attr-defined]
                    pass
                self.accepted.append(recipient)
                say("250 queued")
            elif verb == "RSET":
                say("250 OK")
            elif verb == "QUIT":
                say(self.quit_reply)
                return
            else:
                say("502 not implemented")


@pytest.fixture
def relay() -> Iterator[Callable[..., Relay]]:
    """Start scripted relays on loopback; each is stopped when the test ends."""
    stops: list[tuple[threading.Event, threading.Thread, socket.socket]] = []

    def start(**behaviour: object) -> Relay:
        scripted = Relay(**behaviour)  # type: ignore[arg-type]
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        scripted.port = listener.getsockname()[1]
        stop = threading.Event()
        thread = threading.Thread(target=scripted.serve, args=(listener, stop), daemon=True)
        thread.start()
        stops.append((stop, thread, listener))
        return scripted

    yield start
    for stop, thread, listener in stops:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def _remind(run_cli: RunCli, port: int, history: Path) -> tuple[int, str, str]:
    return run_cli(
        "remind",
        *EXAMPLE,
        "--history",
        str(history),
        *loopback_send(port, "it@groupe.example"),
    )


def _reminded(history: Path) -> set[str]:
    """The recipients the history says were reminded, by audience and account."""
    with sqlite3.connect(history) as db:
        return {
            f"{row[0]}/{row[1]}" for row in db.execute("SELECT portal, recipient FROM reminders")
        }


def test_quit_refused_after_every_message_was_accepted_records_them_and_exits_3(
    run_cli: RunCli, relay: Callable[..., Relay], tmp_path: Path
) -> None:
    server = relay(quit_reply="500 no thanks")
    history = tmp_path / "h.sqlite3"
    code, out, err = _remind(run_cli, server.port, history)
    assert "internal error" not in err
    assert (code, out) == (3, ""), err
    assert len(server.accepted) == MESSAGES
    assert f"sent {MESSAGES} reminders, 0 failed" in err
    assert "QUIT" in err and "500" in err
    assert _reminded(history)  # escalation remembers this run


def test_a_relay_dropping_the_line_mid_data_keeps_what_it_accepted(
    run_cli: RunCli, relay: Callable[..., Relay], tmp_path: Path
) -> None:
    server = relay(drop_in_data=2)
    history = tmp_path / "h.sqlite3"
    code, _, err = _remind(run_cli, server.port, history)
    assert code == 3 and "internal error" not in err, err
    assert len(server.accepted) == 1
    assert f"sent 1 reminder, {MESSAGES - 1} failed" in err
    assert "connection lost" in err
    assert len(_reminded(history)) >= 1


@pytest.mark.parametrize("reply", ["550 5.1.1 no such user", "450 4.2.1 try later"])
def test_a_refused_recipient_fails_alone(
    run_cli: RunCli, relay: Callable[..., Relay], tmp_path: Path, reply: str
) -> None:
    refused = "claire.martin@pharmacie-du-marche.fr"
    server = relay(refuse={refused: reply})
    code, _, err = _remind(run_cli, server.port, tmp_path / "h.sqlite3")
    assert code == 3 and "internal error" not in err, err
    assert refused not in server.accepted and len(server.accepted) == MESSAGES - 1, err
    assert f"not sent to {refused}: refused" in err


def test_a_relay_greeting_with_554_is_a_clear_error(
    run_cli: RunCli, relay: Callable[..., Relay], tmp_path: Path
) -> None:
    server = relay(greeting="554 5.7.1 go away")
    code, _, err = _remind(run_cli, server.port, tmp_path / "h.sqlite3")
    assert code == 2 and "internal error" not in err, err
    assert "cannot reach the SMTP relay 127.0.0.1" in err and "554" in err


def test_a_bad_relay_host_name_is_a_clear_error(run_cli: RunCli, tmp_path: Path) -> None:
    code, _, err = run_cli(
        "remind",
        *EXAMPLE,
        "--no-history",
        "--send",
        "--from",
        "it@groupe.example",
        "--smtp-host",
        "relay..groupe.example",
        "--smtp-security",
        "none",
        "--allow-plaintext-smtp",
    )
    assert code == 2 and "internal error" not in err, err
    assert "cannot reach the SMTP relay relay..groupe.example" in err


def _message(to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "it@groupe.example", to, "test"
    message.set_content("hello")
    return message


def test_a_relay_that_never_answers_gives_up_within_the_timeout(
    relay: Callable[..., Relay],
) -> None:
    assert 0 < SMTP_TIMEOUT_S <= 60
    assert SmtpSettings("h", 25, SmtpSecurity.NONE).timeout == SMTP_TIMEOUT_S
    server = relay(silent=True)
    settings = SmtpSettings("127.0.0.1", server.port, SmtpSecurity.NONE, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(SendError, match=r"cannot reach the SMTP relay 127\.0\.0\.1"):
        send_all([_message("a@x.example")], settings)
    assert time.monotonic() - started < 3


def test_every_message_is_sent_or_failed_whatever_the_relay_does(
    relay: Callable[..., Relay],
) -> None:
    """Positions partition the batch: nothing is lost between sent and failed."""
    batch = [_message(f"p{n}@x.example") for n in range(4)]
    scripts: list[dict[str, object]] = [
        {"quit_reply": "500 no"},
        {"drop_in_data": 3},
        {"refuse": {"p1@x.example": "550 no"}},
        {"refuse": {f"p{n}@x.example": "421 closing" for n in range(4)}},
    ]
    for script in scripts:
        server = relay(**script)
        outcome = send_all(batch, SmtpSettings("127.0.0.1", server.port, SmtpSecurity.NONE))
        failed = [position for position, _ in outcome.failed]
        assert sorted([*outcome.sent, *failed]) == [0, 1, 2, 3], script
        assert len(outcome.sent) == len(server.accepted), script


def test_a_password_smtplib_cannot_send_is_a_clear_error(
    run_cli: RunCli, relay: Callable[..., Relay], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # smtplib sends credentials as ASCII: "mötdepasse" raised UnicodeEncodeError
    # from login(), an internal error, and the message of such an error quotes the
    # character it could not encode.
    server = relay(auth=True)
    monkeypatch.setenv("PORTAL_AUDIT_SMTP_USER", "it@groupe.example")
    monkeypatch.setenv("PORTAL_AUDIT_SMTP_PASSWORD", "mötdepasse")
    code, _, err = _remind(run_cli, server.port, tmp_path / "history.sqlite3")
    assert code == 2, err
    assert "internal error" not in err
    assert "refused the login of it@groupe.example" in err
    assert "ö" not in err and "mötdepasse" not in err
    assert server.accepted == []
