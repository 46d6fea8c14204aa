"""The SMTP backend against a minimal SMTP server on loopback (a real SMTP dialogue over TCP)."""
import socketserver
import threading

import pytest

from tt_platform import mail


class SMTPHandler(socketserver.StreamRequestHandler):
    received: list[bytes] = []

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 test ESMTP")
        data_mode, message = False, []
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if data_mode:
                if line == ".":
                    SMTPHandler.received.append("\n".join(message).encode())
                    data_mode, message = False, []
                    self.reply("250 OK queued")
                else:
                    message.append(line)
                continue
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-test\r\n250 8BITMIME\r\n")
            elif verb in ("HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "DATA":
                data_mode = True
                self.reply("354 end with .")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


@pytest.fixture
def smtp_server():
    SMTPHandler.received = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_smtp_backend_delivers(app, db, smtp_server):
    saved = {k: app.config[k] for k in ("MAIL_BACKEND", "MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server)
    try:
        mail.send("someone@example.cn", "测试主题", "正文：请打开链接。")
    finally:
        app.config.update(saved)
    assert len(SMTPHandler.received) == 1
    raw = SMTPHandler.received[0].decode()
    assert "To: someone@example.cn" in raw and "Subject:" in raw
