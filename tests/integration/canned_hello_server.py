#!/usr/bin/env python3
"""A test responder that speaks what no local server still speaks: it answers a
ClientHello with a canned first flight, for the scanner's hand-built-hello probes.

    canned_hello_server.py ADDRESS PORT [--mode sslv3|sslv2] [--suites 0x0003,...]
                           [--client-preference] [--specs 0x010080,...]
                           [--lifetime SECONDS] [--tag TEXT]

  --mode sslv3  an SSLv3-only server (default). To a TLS ClientHello of any version
                >= SSLv3, or an SSLv2-format hello offering version >= 0x0300, it answers
                an SSLv3 ServerHello (record and version 0x0300, 32-byte session id, no
                extensions) choosing the first of its --suites the client offered (server
                preference; --client-preference: the client's first one that is in
                --suites), then Certificate, ServerKeyExchange and ServerHelloDone; with
                no suite in common, a fatal handshake_failure alert. An SSL 2.0 hello
                (version 0x0002) gets the connection closed, as from a server that cannot
                read it. Default suites: RSA_EXPORT_WITH_RC4_40_MD5 (0x0003),
                RSA_EXPORT_WITH_DES40_CBC_SHA (0x0008), RSA_WITH_RC4_128_MD5 (0x0004),
                RSA_WITH_DES_CBC_SHA (0x0009), RSA_WITH_3DES_EDE_CBC_SHA (0x000A).
  --mode sslv2  an SSL 2.0-only server. To an SSLv2-format CLIENT-HELLO it answers a
                SERVER-HELLO listing every one of its --specs the client offered (that is
                how SSLv2 negotiates: the client picks), or ERROR NO-CIPHER-ERROR when
                there is none. A TLS-format hello gets the connection closed. Default
                specs: RC4_128_WITH_MD5, RC4_128_EXPORT40_WITH_MD5,
                DES_192_EDE3_CBC_WITH_MD5, DES_64_CBC_WITH_MD5.

The bytes are those of tests/tls/recorded_replies.h (kSslv3ExportServerHello and its
flight tail, kSslv2ServerHello's layout). ADDRESS must be a loopback address. The
process exits after --lifetime seconds (default 600) whatever happens; each connection
is bounded too (10 s, 64 KB). --tag is ignored: it lets a fleet script recognise its
own processes by their command line. One line per connection goes to stderr.
"""

import argparse
import asyncio
import ipaddress
import os
import struct
import sys

MAX_BYTES = 64 * 1024
CONNECTION_SECONDS = 10.0

DEFAULT_SUITES = [0x0003, 0x0008, 0x0004, 0x0009, 0x000A]
DEFAULT_SPECS = [0x010080, 0x020080, 0x0700C0, 0x060040]

HANDSHAKE, ALERT = 22, 21
SSL3 = 0x0300

# Certificate (one 8-byte dummy certificate), ServerKeyExchange (a dummy export RSA key,
# empty signature), ServerHelloDone: the scanner reads no further than this.
SSLV3_FLIGHT_TAIL = bytes.fromhex(
    "1603000012" "0b00000e" "00000b" "000008" "3006020101020101"
    "160300000c" "0c000008" "0001ff" "000103" "0000"
    "1603000004" "0e000000")
DUMMY_CERTIFICATE = bytes.fromhex("3082000c0000000000000000000000ff")


class Malformed(Exception):
    pass


def log(message):
    print(f"canned_hello_server: {message}", file=sys.stderr, flush=True)


async def read_exactly(reader, n, budget):
    if n > budget[0]:
        raise Malformed("over the byte cap")
    budget[0] -= n
    return await reader.readexactly(n)


async def read_hello(reader):
    """Returns ("tls", version, suites) or ("sslv2", version, specs)."""
    budget = [MAX_BYTES]
    head = await read_exactly(reader, 2, budget)
    if head[0] & 0x80:
        length = ((head[0] & 0x7F) << 8) | head[1]
        msg = await read_exactly(reader, length, budget)
        if len(msg) < 9 or msg[0] != 1:
            raise Malformed("not an SSLv2 CLIENT-HELLO")
        version, specs_len, sid_len, challenge_len = struct.unpack(">HHHH", msg[1:9])
        specs_bytes = msg[9:9 + specs_len]
        if (len(specs_bytes) != specs_len or specs_len % 3
                or 9 + specs_len + sid_len + challenge_len > len(msg)):
            raise Malformed("a malformed SSLv2 CLIENT-HELLO")
        specs = [int.from_bytes(specs_bytes[i:i + 3], "big") for i in range(0, specs_len, 3)]
        return "sslv2", version, specs
    head += await read_exactly(reader, 3, budget)
    if head[0] != HANDSHAKE or head[1] != 3:
        raise Malformed("not a TLS handshake record")
    message = b""
    while True:
        length = int.from_bytes(head[3:5], "big")
        message += await read_exactly(reader, length, budget)
        if len(message) >= 4 and len(message) >= 4 + int.from_bytes(message[1:4], "big"):
            break
        head = await read_exactly(reader, 5, budget)
        if head[0] != HANDSHAKE:
            raise Malformed("the ClientHello was interrupted")
    if message[0] != 1 or len(message) < 4 + 2 + 32 + 1:
        raise Malformed("not a ClientHello")
    body = message[4:4 + int.from_bytes(message[1:4], "big")]
    version = int.from_bytes(body[0:2], "big")
    at = 34 + 1 + body[34]
    suites_len = int.from_bytes(body[at:at + 2], "big")
    suites_bytes = body[at + 2:at + 2 + suites_len]
    if len(suites_bytes) != suites_len or suites_len % 2:
        raise Malformed("a malformed cipher suite list")
    suites = [int.from_bytes(suites_bytes[i:i + 2], "big") for i in range(0, suites_len, 2)]
    return "tls", version, suites


def record(content_type, payload):
    return struct.pack(">BHH", content_type, SSL3, len(payload)) + payload


def sslv3_answer(offered, server_suites, client_preference):
    """The SSLv3 first flight choosing a suite both sides have, or an alert."""
    first, second = (offered, server_suites) if client_preference else (server_suites, offered)
    chosen = next((s for s in first if s in second), None)
    if chosen is None:
        return record(ALERT, bytes([2, 40])), "alert handshake_failure"
    body = struct.pack(">H", SSL3) + os.urandom(32) + bytes([32]) + os.urandom(32)
    body += struct.pack(">HB", chosen, 0)
    hello = bytes([2]) + len(body).to_bytes(3, "big") + body
    return record(HANDSHAKE, hello) + SSLV3_FLIGHT_TAIL, f"SSLv3 ServerHello 0x{chosen:04x}"


def sslv2_answer(offered, server_specs):
    common = [s for s in server_specs if s in offered]
    if not common:
        msg = bytes([0]) + struct.pack(">H", 1)  # ERROR NO-CIPHER-ERROR
        return bytes([0x80 | (len(msg) >> 8), len(msg) & 0xFF]) + msg, "SSLv2 ERROR NO-CIPHER"
    specs = b"".join(s.to_bytes(3, "big") for s in common)
    connection_id = os.urandom(16)
    msg = bytes([4, 0, 1]) + struct.pack(">HHHH", 0x0002, len(DUMMY_CERTIFICATE), len(specs),
                                          len(connection_id))
    msg += DUMMY_CERTIFICATE + specs + connection_id
    answer = bytes([0x80 | (len(msg) >> 8), len(msg) & 0xFF]) + msg
    return answer, "SSLv2 SERVER-HELLO " + ",".join(f"0x{s:06x}" for s in common)


async def answer(reader, writer, options):
    peer = writer.get_extra_info("peername")
    try:
        kind, version, offered = await read_hello(reader)
        reply, what = None, "closed"
        if options.mode == "sslv3":
            if kind == "tls" and version >= SSL3:
                reply, what = sslv3_answer(offered, options.suites, options.client_preference)
            elif kind == "sslv2" and version >= SSL3:
                tls_suites = [s & 0xFFFF for s in offered if s >> 16 == 0]
                reply, what = sslv3_answer(tls_suites, options.suites, options.client_preference)
        elif kind == "sslv2":
            reply, what = sslv2_answer(offered, options.specs)
        log(f"{peer}: {kind} hello version 0x{version:04x}, {len(offered)} offered -> {what}")
        if reply:
            writer.write(reply)
            await writer.drain()
            # Wait for the client to drop the connection, as it does after the first reply.
            await reader.read(MAX_BYTES)
    except (Malformed, asyncio.IncompleteReadError, ConnectionError) as e:
        log(f"{peer}: {e.__class__.__name__}: {e}")


async def serve(options):
    async def handle(reader, writer):
        try:
            await asyncio.wait_for(answer(reader, writer, options), CONNECTION_SECONDS)
        except asyncio.TimeoutError:
            log("a connection timed out")
        finally:
            writer.close()

    server = await asyncio.start_server(handle, options.address, options.port, reuse_address=True)
    log(f"listening on {options.address}:{options.port}, mode {options.mode}, "
        f"for {options.lifetime:g} s")
    async with server:
        try:
            await asyncio.wait_for(server.serve_forever(), options.lifetime)
        except asyncio.TimeoutError:
            log("lifetime over, exiting")


def code_list(text):
    return [int(part, 0) for part in text.split(",") if part]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("address")
    parser.add_argument("port", type=int)
    parser.add_argument("--mode", choices=["sslv3", "sslv2"], default="sslv3")
    parser.add_argument("--suites", type=code_list, default=DEFAULT_SUITES)
    parser.add_argument("--client-preference", action="store_true")
    parser.add_argument("--specs", type=code_list, default=DEFAULT_SPECS)
    parser.add_argument("--lifetime", type=float, default=600.0)
    parser.add_argument("--tag", default="")
    options = parser.parse_args()
    if not ipaddress.ip_address(options.address).is_loopback:
        parser.error(f"{options.address} is not a loopback address")
    try:
        asyncio.run(serve(options))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
