"""A small authoritative DNS server for hostile.test that misbehaves on purpose, over UDP
and TCP (RFC 1035 framing, RFC 7766 length prefix):

  tc.hostile.test        UDP: empty answer with TC set; TCP: the A record (c-ares must
                         fall back to TCP to get it)
  servfail.hostile.test  SERVFAIL
  silent.hostile.test    no answer at all, on UDP or TCP
  cname.hostile.test     a chain of CNAME_LINKS CNAMEs and no address at its end, as a
                         recursive resolver returns when it stops following
  loop.hostile.test      loop -> loop2 -> loop
  deep.hostile.test      a chain of CNAME_LINKS CNAMEs that does end in an A record
  anything else          NXDOMAIN

Every UDP answer longer than 512 bytes is truncated to its header with TC set, as a
server without EDNS does; over TCP the whole answer goes out.
"""

import asyncio
import struct

ZONE = "hostile.test"
CNAME_LINKS = 40
A, CNAME, IN = 1, 5, 1
NOERROR, SERVFAIL, NXDOMAIN = 0, 2, 3
UDP_LIMIT = 512


def encode_name(text):
    out = b""
    for label in text.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def parse_question(msg):
    """(id, flags, qname lower-case, qtype, end of question) or None when malformed."""
    if len(msg) < 12:
        return None
    qid, flags, qdcount = struct.unpack(">HHH", msg[:6])
    if qdcount != 1:
        return None
    pos, labels = 12, []
    while pos < len(msg):
        n = msg[pos]
        pos += 1
        if n == 0:
            break
        if n > 63 or pos + n > len(msg):
            return None
        labels.append(msg[pos : pos + n].decode("latin-1").lower())
        pos += n
    if pos + 4 > len(msg):
        return None
    qtype, _qclass = struct.unpack(">HH", msg[pos : pos + 4])
    return qid, flags, ".".join(labels), qtype, pos + 4


def rr(owner, rtype, rdata, ttl=60):
    return encode_name(owner) + struct.pack(">HHIH", rtype, IN, ttl, len(rdata)) + rdata


def chain(first, links, final_ip):
    records, name = [], first
    for i in range(1, links + 1):
        target = "c%d.%s" % (i, first)
        records.append(rr(name, CNAME, encode_name(target)))
        name = target
    if final_ip:
        records.append(rr(name, A, bytes(int(x) for x in final_ip.split("."))))
    return records


class Zone:
    def __init__(self, answer_ip):
        self.answer_ip = answer_ip  # where tc and deep point (a closed address)

    def answer(self, msg, tcp):
        """The reply bytes, or None for no reply."""
        q = parse_question(msg)
        if q is None:
            return None
        qid, flags, qname, qtype, qend = q
        rcode, answers, truncate = NOERROR, [], False
        if qname == "silent." + ZONE:
            return None
        if qname == "tc." + ZONE:
            truncate = not tcp
            if qtype == A:
                answers = [rr(qname, A, bytes(int(x) for x in self.answer_ip.split(".")))]
        elif qname == "servfail." + ZONE:
            rcode = SERVFAIL
        elif qname == "cname." + ZONE or qname.endswith(".cname." + ZONE):
            answers = chain(qname, CNAME_LINKS, None)
        elif qname == "deep." + ZONE:
            answers = chain(qname, CNAME_LINKS, self.answer_ip if qtype == A else None)
        elif qname in ("loop." + ZONE, "loop2." + ZONE):
            other = "loop2." + ZONE if qname == "loop." + ZONE else "loop." + ZONE
            answers = [rr(qname, CNAME, encode_name(other)), rr(other, CNAME, encode_name(qname))]
        else:
            rcode = NXDOMAIN
        reply_flags = 0x8000 | (flags & 0x7900) | 0x0400 | 0x0080 | rcode  # QR AA RA, RD echoed
        question = msg[12:qend]
        body = b"".join(answers)
        reply = struct.pack(">HHHHHH", qid, reply_flags, 1, len(answers), 0, 0) + question + body
        if truncate or (not tcp and len(reply) > UDP_LIMIT):
            reply = struct.pack(">HHHHHH", qid, reply_flags | 0x0200, 1, 0, 0, 0) + question
        return reply


class UdpServer(asyncio.DatagramProtocol):
    def __init__(self, zone):
        self.zone = zone
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        reply = self.zone.answer(data, tcp=False)
        if reply is not None:
            self.transport.sendto(reply, addr)


async def serve_tcp(zone, reader, writer):
    try:
        while True:
            head = await reader.readexactly(2)
            (length,) = struct.unpack(">H", head)
            msg = await reader.readexactly(length)
            reply = zone.answer(msg, tcp=True)
            if reply is None:
                await reader.read()  # say nothing until the client gives up
                break
            writer.write(struct.pack(">H", len(reply)) + reply)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def start(ip, port, answer_ip):
    """Starts the UDP and TCP listeners; returns what must be closed at the end."""
    zone = Zone(answer_ip)
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: UdpServer(zone),
                                                       local_addr=(ip, port))
    server = await asyncio.start_server(lambda r, w: serve_tcp(zone, r, w), ip, port)
    return [transport, server]
