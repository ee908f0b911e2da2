"""moto_server with one request at a time.

moto's DynamoDB transactions are not isolated across threads: a cancelled TransactWriteItems
applies its items, then restores a snapshot of the whole table taken when it began, which can
resurrect or erase what another request wrote meanwhile. Real DynamoDB serialises conflicting
transactions. The tests (50 concurrent filings of numbered tickets, two concurrent decisions)
and the local stack need that guarantee, so this runs moto's own WSGI application behind one
lock. Connections are still accepted by many threads; only the handling is serialised.

Usage: python3 tests/moto_serial.py -H 127.0.0.1 -p 4566
"""

import argparse
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


def serialised(app):
    lock = threading.Lock()

    def handle(environ, start_response):
        with lock:
            result = app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close:
                    close()
        return [body]

    return handle


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=4566)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, serialised(app), threaded=True)


if __name__ == "__main__":
    main()
