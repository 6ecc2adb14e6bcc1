# SPDX-License-Identifier: Apache-2.0
"""Holds idle and half-request connections to an exporter, reopening each as
soon as the exporter drops it, while another client scrapes on a schedule.

usage: hold_and_scrape.py URL IDLE HALF SECONDS [--cafile F] [--user U:P]
Prints one JSON line: scrape count, worst and median latency, failures,
connections reopened. Exit 1 if any scrape failed or took over 2 s.
"""
import argparse
import asyncio
import base64
import json
import ssl
import statistics
import sys
import time
import urllib.parse

LIMIT = 2.0


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("idle", type=int)
    p.add_argument("half", type=int)
    p.add_argument("seconds", type=float)
    p.add_argument("--cafile")
    p.add_argument("--user")
    p.add_argument("--source", default="127.0.0.2",
                   help="address the holders connect from")
    return p.parse_args()


async def hold(host, port, tls, half, source, stop, counts):
    """One slot: connect, maybe send half a request, wait for the close."""
    while not stop.is_set():
        try:
            # The TLS holders that stay silent never start the handshake.
            use_tls = tls if half else None
            reader, writer = await asyncio.open_connection(
                host, port, ssl=use_tls, local_addr=(source, 0),
                server_hostname=host if use_tls else None)
        except (OSError, ssl.SSLError):
            counts["refused"] += 1
            await asyncio.sleep(0.05)
            continue
        counts["opened"] += 1
        try:
            if half:
                writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\nUser-Agent: slow")
                await writer.drain()
            while not stop.is_set():
                try:
                    data = await asyncio.wait_for(reader.read(4096), 0.5)
                except asyncio.TimeoutError:
                    continue
                if not data:
                    break
        except (OSError, ssl.SSLError):
            pass
        finally:
            writer.close()


async def scrape(args, tls, stop, latencies, failures):
    u = urllib.parse.urlsplit(args.url)
    headers = "Accept-Encoding: gzip\r\nX-Prometheus-Scrape-Timeout-Seconds: 10\r\n"
    if args.user:
        headers += "Authorization: Basic %s\r\n" % base64.b64encode(
            args.user.encode()).decode()
    request = ("GET %s HTTP/1.1\r\nHost: %s\r\n%sConnection: close\r\n\r\n" %
               (u.path, u.netloc, headers)).encode()
    while not stop.is_set():
        t0 = time.monotonic()
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(
                u.hostname, u.port, ssl=tls,
                server_hostname=u.hostname if tls else None), LIMIT + 3)
            writer.write(request)
            await writer.drain()
            body = await asyncio.wait_for(reader.read(), LIMIT + 3)
            writer.close()
            if not body.startswith(b"HTTP/1.1 200"):
                failures.append("status: %r" % body[:40])
        except (OSError, ssl.SSLError, asyncio.TimeoutError) as e:
            failures.append("%s: %s" % (type(e).__name__, e))
        dt = time.monotonic() - t0
        latencies.append(dt)
        if dt > LIMIT:
            failures.append("scrape took %.2f s" % dt)
        await asyncio.sleep(max(0.0, 0.5 - dt))


async def main():
    args = parse()
    u = urllib.parse.urlsplit(args.url)
    tls = None
    if u.scheme == "https":
        tls = ssl.create_default_context(cafile=args.cafile)
    stop = asyncio.Event()
    counts = {"opened": 0, "refused": 0}
    holders = [asyncio.ensure_future(
        hold(u.hostname, u.port, tls, i >= args.idle, args.source, stop, counts))
        for i in range(args.idle + args.half)]
    # Let the holders take their seats before the first scrape.
    deadline = time.monotonic() + 10
    while counts["opened"] < args.idle + args.half and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    seated = counts["opened"]
    latencies, failures = [], []
    scraper = asyncio.ensure_future(scrape(args, tls, stop, latencies, failures))
    await asyncio.sleep(args.seconds)
    stop.set()
    await asyncio.gather(scraper, *holders, return_exceptions=True)
    result = {
        "scrapes": len(latencies),
        "worst_s": round(max(latencies), 3) if latencies else None,
        "median_s": round(statistics.median(latencies), 3) if latencies else None,
        "seated": seated,
        "opened": counts["opened"],
        "refused": counts["refused"],
        "failures": failures[:5],
        "failure_count": len(failures),
    }
    print(json.dumps(result))
    ok = latencies and not failures and seated >= args.idle + args.half
    sys.exit(0 if ok else 1)


asyncio.run(main())
