#!/usr/bin/env python3
"""Hostile peers for the integration tests, all in one process: one asyncio loop serves
every raw behaviour below on its own loopback address, a DNS server that misbehaves
(hostile_dns.py), and `openssl s_server` children for the certificates no CA would issue
(hostile_certs.py). Each behaviour listens on NET.<octet>:PORT.

  .1  garbage      answers the ClientHello with bytes that are no TLS record
  .2  badrecord    a well-framed ServerHello record whose body is junk
  .3  dribble      a ServerHello, one byte per second, forever
  .4  acceptclose  accepts, then closes at once without reading
  .5  reset        reads the ClientHello, then resets (SO_LINGER 0)
  .6  hugemsg      ServerHello, then a Certificate header announcing 16 MB, then dribbles
  .7  endless      an endless stream of records (HelloRequests, which a client ignores)
  .8  baddier      ServerHello + Certificate holding a malformed DER certificate
  .9  hrr          a HelloRetryRequest for every ClientHello, however many come
  .13 badutf8      ServerHello + Certificate whose subject UTF8String is not UTF-8
  .10 weird        s_server: names with quotes, backslashes, newlines, control bytes,
                   T61/BMP strings and SAN bytes that are not UTF-8
  .11 manysans     s_server: 10,000 SANs
  .12 longchain    s_server: a 12-certificate chain of more than 64 KB
  .53 DNS (UDP and TCP) on DNS_PORT
  .250 nothing listens (closed); tc.hostile.test and deep.hostile.test point there

    hostile_server.py --dir DIR --net 127.88.0 --port 8443 [--dns-port 5353]
                      [--owner-pid PID] [--lifetime SECONDS]

DIR/hostile.env (KEY=VALUE) appears once everything accepts connections. The process
ends on SIGTERM/SIGINT, after --lifetime seconds, or when --owner-pid is gone, and takes
its s_server children with it. Nothing binds outside 127.0.0.0/8.
"""

import argparse
import asyncio
import ctypes
import os
import signal
import socket
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile_certs  # noqa: E402
import hostile_dns  # noqa: E402
import hostile_tls as tls  # noqa: E402

RAW = {"garbage": 1, "badrecord": 2, "dribble": 3, "acceptclose": 4, "reset": 5,
       "hugemsg": 6, "endless": 7, "baddier": 8, "hrr": 9, "badutf8": 13}
SSERVER = {"weird": 10, "manysans": 11, "longchain": 12}
DNS_OCTET, CLOSED_OCTET = 53, 250
HOLD_SECONDS = 120  # no connection is kept longer than this, whatever the client does
CANNED = {}  # certificates served from bytes (hostile_certs.py writes them at start)


async def read_hello(reader, buffered=b""):
    data = buffered
    while True:
        hello, used = tls.parse_client_hello(data)
        if hello:
            return hello, data[used:]
        chunk = await reader.read(65536)
        if not chunk:
            raise ConnectionError("closed before a whole ClientHello")
        data += chunk


async def drain_until_closed(reader):
    while await reader.read(65536):
        pass


async def behave(name, reader, writer):
    if name == "acceptclose":
        return
    hello, rest = await read_hello(reader)
    if name == "garbage":
        writer.write(tls.garbage())
    elif name == "badrecord":
        writer.write(tls.garbage_after_header())
    elif name == "reset":
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return
    elif name == "dribble":
        for b in tls.dribble_bytes(hello) * 100:
            writer.write(bytes([b]))
            await writer.drain()
            await asyncio.sleep(1)
    elif name == "hugemsg":
        writer.write(tls.huge_message_start(hello))
        while True:
            await writer.drain()
            await asyncio.sleep(0.1)
            writer.write(tls.huge_message_dribble())
    elif name == "endless":
        chunk = tls.hello_request_record() * 4
        while True:
            writer.write(chunk)
            await writer.drain()
    elif name == "baddier":
        writer.write(tls.certificate_flight(hello, tls.malformed_der()))
    elif name == "badutf8":
        writer.write(tls.certificate_flight(hello, CANNED["badutf8"]))
    elif name == "hrr":
        for _ in range(100):
            writer.write(tls.hello_retry_request(hello))
            await writer.drain()
            # The client answers with a new ClientHello (maybe after a CCS record).
            data = rest
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    return
                data += chunk
                skip = 0
                while len(data) >= 5 + skip and data[skip] == 20:  # change_cipher_spec
                    skip += 5 + struct.unpack(">H", data[skip + 3 : skip + 5])[0]
                try:
                    hello, used = tls.parse_client_hello(data[skip:])
                except ValueError:
                    return
                if hello:
                    rest = data[skip + used :]
                    break
    await writer.drain()
    await drain_until_closed(reader)


async def handle(name, reader, writer):
    try:
        await asyncio.wait_for(behave(name, reader, writer), HOLD_SECONDS)
    except (asyncio.TimeoutError, ConnectionError, ValueError, OSError):
        pass
    finally:
        writer.close()


def die_with_parent():
    # PR_SET_PDEATHSIG: an s_server child is killed when this process goes, however.
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)


def start_sserver(args, name, octet):
    d = args.dir
    address = "%s.%d:%d" % (args.net, octet, args.port)
    cmd = ["openssl", "s_server", "-quiet", "-www", "-accept", address,
           "-cert", os.path.join(d, name + ".pem"), "-key", os.path.join(d, name + ".key")]
    if name == "longchain":
        cmd += ["-cert_chain", os.path.join(d, "longchain.chain.pem")]
    log = open(os.path.join(d, "logs", name + ".log"), "w")
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            preexec_fn=die_with_parent)


async def accepts(ip, port):
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(ip, port), 1)
        writer.close()
        return True
    except (OSError, asyncio.TimeoutError):
        return False


async def main(args):
    if not args.net.startswith("127.") or args.net.count(".") != 2:
        sys.exit("hostile_server.py: --net must be 127.X.Y (loopback only), not " + args.net)
    os.makedirs(os.path.join(args.dir, "logs"), exist_ok=True)
    facts = hostile_certs.make_all(args.dir)
    with open(os.path.join(args.dir, "badutf8.der"), "rb") as f:
        CANNED["badutf8"] = f.read()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.call_later(args.lifetime, stop.set)

    closers, children = [], []
    try:
        for name, octet in RAW.items():
            server = await asyncio.start_server(
                lambda r, w, n=name: handle(n, r, w), "%s.%d" % (args.net, octet), args.port,
                reuse_address=True)
            closers.append(server)
        closers += await hostile_dns.start("%s.%d" % (args.net, DNS_OCTET), args.dns_port,
                                           "%s.%d" % (args.net, CLOSED_OCTET))
        for name, octet in SSERVER.items():
            children.append(start_sserver(args, name, octet))
        for name, octet in SSERVER.items():
            for _ in range(100):
                if await accepts("%s.%d" % (args.net, octet), args.port):
                    break
                await asyncio.sleep(0.1)
            else:
                sys.exit("hostile_server.py: s_server for %s does not accept" % name)
        write_env(args, facts)
        while not stop.is_set():
            if args.owner_pid and not pid_alive(args.owner_pid):
                break
            try:
                await asyncio.wait_for(stop.wait(), 1)
            except asyncio.TimeoutError:
                pass
    finally:
        for c in closers:
            c.close()
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(5)
            except subprocess.TimeoutExpired:
                child.kill()


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def write_env(args, facts):
    lines = ["HOSTILE_NET=" + args.net, "HOSTILE_PORT=%d" % args.port,
             "HOSTILE_RESOLVER=%s.%d:%d" % (args.net, DNS_OCTET, args.dns_port),
             "HOSTILE_CLOSED_IP=%s.%d" % (args.net, CLOSED_OCTET), "HOSTILE_PID=%d" % os.getpid()]
    for name, octet in list(RAW.items()) + list(SSERVER.items()):
        lines.append("HOSTILE_%s_IP=%s.%d" % (name.upper(), args.net, octet))
    lines += ["HOSTILE_%s=%s" % (k, v) for k, v in facts.items()]
    tmp = os.path.join(args.dir, "hostile.env.tmp")
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.rename(tmp, os.path.join(args.dir, "hostile.env"))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", required=True)
    p.add_argument("--net", default="127.88.0")
    p.add_argument("--port", type=int, default=8443)
    p.add_argument("--dns-port", type=int, default=5353)
    p.add_argument("--owner-pid", type=int, default=0)
    p.add_argument("--lifetime", type=float, default=1800)
    try:
        asyncio.run(main(p.parse_args()))
    except OSError as e:
        # Most likely another run's hostile servers hold the block: say which address.
        sys.exit("hostile_server.py: %s (HOSTILE_NET picks another 127.88.N block)" % e)
