#!/usr/bin/env python3
"""A producer that is not Node: publishes one `notification.posted` event that the
live-notifications service pushes to browsers. It needs nothing of Herald but the
wire format in docs/envelope.md, and redis-py (Debian: python3-redis).

    python3 producer.py --text "Stand-up in 5 minutes" [--to alice] [--redis-url redis://127.0.0.1:6379]

Prints one JSON line on stdout: {"published": true, "receivers": n, "envelope": {...}},
or {"published": false, "error": "...", "envelope": {...}} with exit code 1 when Redis
did not take the event after --attempts tries. Each failed try is reported on stderr.
"""
import argparse
import json
import os
import sys
import time
import uuid
from datetime import datetime, timezone
from urllib.parse import urlsplit, urlunsplit

try:
    import redis
except ImportError:
    sys.stderr.write("error: redis-py is missing: apt-get install python3-redis (or pip install redis)\n")
    sys.exit(2)

EVENT_TYPE = "notification.posted"


def redacted(url):
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def build_envelope(text, sender, to, correlation_id):
    """An envelope as docs/envelope.md describes it: required id, type, timestamp
    (seconds and a zone), correlationId and payload; source is optional."""
    payload = {"text": text, "from": sender}
    if to:
        payload["to"] = to
    return {
        "id": str(uuid.uuid4()),
        "type": EVENT_TYPE,
        # isoformat of an aware datetime: 2026-11-22T10:00:00.000+00:00
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        "correlationId": correlation_id or str(uuid.uuid4()),
        "source": "calendar-py/" + os.uname().nodename + "-" + str(os.getpid()),
        "payload": payload,
    }


def publish(url, prefix, envelope, attempts, timeout_s):
    """PUBLISH on <prefix>:events|<type>. Returns the number of receivers, or raises
    the last error once every attempt failed."""
    channel = prefix + ":events|" + envelope["type"]
    message = json.dumps(envelope, separators=(",", ":"))
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s)
    try:
        for attempt in range(1, attempts + 1):
            try:
                return client.publish(channel, message)
            except (redis.exceptions.RedisError, OSError) as error:
                sys.stderr.write(
                    "attempt %d/%d to publish to %s failed: %s\n" % (attempt, attempts, redacted(url), error)
                )
                if attempt == attempts:
                    raise
                time.sleep(min(0.2 * 2 ** (attempt - 1), 2.0))
    finally:
        client.close()


def main(argv):
    parser = argparse.ArgumentParser(description="Publish a notification to the live-notifications service.")
    parser.add_argument("--text", required=True)
    parser.add_argument("--to", help="user who may see it (default: everyone)")
    parser.add_argument("--from", dest="sender", default="calendar (python)")
    parser.add_argument("--correlation-id")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"))
    parser.add_argument("--prefix", default=os.environ.get("HERALD_PREFIX", "herald"))
    parser.add_argument("--attempts", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds per connect or command")
    args = parser.parse_args(argv)

    envelope = build_envelope(args.text, args.sender, args.to, args.correlation_id)
    try:
        receivers = publish(args.redis_url, args.prefix, envelope, max(1, args.attempts), args.timeout)
    except (redis.exceptions.RedisError, OSError) as error:
        sys.stderr.write(
            "error: could not publish %s after %d attempts: %s. Is Redis running at %s? "
            "The event was not sent.\n" % (EVENT_TYPE, max(1, args.attempts), str(error).rstrip("."), redacted(args.redis_url))
        )
        print(json.dumps({"published": False, "error": str(error), "envelope": envelope}))
        return 1
    if receivers == 0:
        sys.stderr.write(
            "warning: no instance was subscribed, so nobody got the event: "
            "Pub/Sub is at-most-once and keeps nothing for later.\n"
        )
    print(json.dumps({"published": True, "receivers": receivers, "envelope": envelope}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
