"""A real SMTP server for the notify adapter's tests (aiosmtpd, from PyPI).

Listens on 127.0.0.1:PORT with STARTTLS (required unless --no-tls) and writes every accepted mail to OUT_DIR as one
JSON file: {"mailfrom", "rcpttos", "data", "tls"}. Refusals are scripted by the recipient's local part:
  bad-...@            550 5.1.1 at RCPT (no such mailbox: a permanent refusal)
  throttle-once-...@  451 4.7.1 at DATA the first time that recipient is seen (a transient one), then accepted
  reject-...@         554 5.7.1 at DATA (message rejected: permanent)
Prints "READY" once it accepts connections; stops on SIGTERM.
"""
import argparse
import json
import os
import signal
import ssl
import threading
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.seen = set()
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0].startswith("bad-"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            local = rcpt.split("@")[0]
            if local.startswith("reject-"):
                return "554 5.7.1 message rejected"
            if local.startswith("throttle-once-") and rcpt not in self.seen:
                self.seen.add(rcpt)
                return "451 4.7.1 slow down, try again later"
        with self.lock:
            self.count += 1
            name = os.path.join(self.out_dir, f"{time.time_ns()}-{self.count}.json")
        mail = {
            "mailfrom": envelope.mail_from,
            "rcpttos": envelope.rcpt_tos,
            "data": envelope.original_content.decode("utf-8", "replace"),
            "tls": session.ssl is not None,
        }
        with open(name + ".tmp", "w", encoding="utf-8") as f:
            json.dump(mail, f)
        os.rename(name + ".tmp", name)
        return "250 2.0.0 queued as %d" % self.count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--no-tls", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    params = {}
    if not args.no_tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        params = {"tls_context": context, "require_starttls": True}
    controller = Controller(Sink(args.out), hostname="127.0.0.1", port=args.port, **params)
    controller.start()
    print(f"READY (listening on 127.0.0.1:{args.port})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
