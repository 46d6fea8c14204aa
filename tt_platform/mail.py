"""Outgoing mail: logged to the console by default, SMTP when configured, kept in memory in tests."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger(__name__)


def send(to: str, subject: str, body: str) -> None:
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    backend = cfg["MAIL_BACKEND"]
    if backend == "memory":
        current_app.extensions.setdefault("tt_mail_outbox", []).append(msg)
    elif backend == "smtp":
        with smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), timeout=30) as smtp:
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls()
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
            smtp.send_message(msg)
    else:
        # The console backend is for development: the message (with its link) is the log line.
        log.warning("mail to %s: %s\n%s", to, subject, body)
        print(f"--- mail to {to}: {subject}\n{body}\n---", flush=True)
