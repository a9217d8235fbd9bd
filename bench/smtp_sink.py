"""An SMTP server (aiosmtpd) in its own process that appends `message-id recipient` per delivery.

python -m bench.smtp_sink PORT OUTFILE
"""

from __future__ import annotations

import signal
import sys
import threading
from email.parser import BytesHeaderParser
from typing import Any

import uvloop
from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, path: str) -> None:
        self.out = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - open for the process
        self.parser = BytesHeaderParser()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        headers = self.parser.parsebytes(envelope.original_content or envelope.content)
        for rcpt in envelope.rcpt_tos:
            self.out.write(f"{headers['Message-ID']} {rcpt}\n")
        return "250 OK"


def main() -> None:
    port, path = int(sys.argv[1]), sys.argv[2]
    # uvloop (installed with uvicorn[standard]) makes the sink itself less of a bottleneck.
    controller = Controller(
        Sink(path), hostname="127.0.0.1", port=port, loop=uvloop.new_event_loop()
    )
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
