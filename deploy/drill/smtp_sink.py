"""A local SMTP server that accepts every message and appends it to a JSON-lines file.

``python deploy/drill/smtp_sink.py --port N --out FILE``: aiosmtpd (a dev dependency) on
127.0.0.1:N; each received message becomes one line ``{"to": [...], "subject": ..., "at": ...}``.
The drill stops and starts this process for the SMTP fault and counts the lines afterwards.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import signal
import threading
import time


class Recorder:
    def __init__(self, path: str):
        self.path = path
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        message = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        line = json.dumps(
            {"to": list(envelope.rcpt_tos), "subject": str(message.get("Subject", "")), "at": time.time()},
            ensure_ascii=False,
        )
        with self.lock, open(self.path, "a", encoding="utf-8") as out:
            out.write(line + "\n")
            out.flush()
        return "250 Message accepted for delivery"


def main() -> None:
    from aiosmtpd.controller import Controller

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    controller = Controller(Recorder(args.out), hostname="127.0.0.1", port=args.port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"smtp sink on 127.0.0.1:{args.port}", flush=True)
    stop.wait()
    controller.stop()


def read(path: str) -> list[tuple[str, str]]:
    """(recipient, subject) of every received message, one pair per recipient."""
    pairs = []
    try:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    item = json.loads(line)
                    pairs += [(to, item["subject"]) for to in item["to"]]
    except FileNotFoundError:
        pass
    return pairs


if __name__ == "__main__":
    main()
