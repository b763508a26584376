"""Hand-built TLS bytes for the hostile test servers: just enough of a server's side to
push a client's parser where real servers never go. Nothing here does cryptography; a
flight ends where the client would need a key exchange we cannot do.
"""

import os
import struct

HANDSHAKE, ALERT = 22, 21
TLS12 = b"\x03\x03"
# RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest.
HRR_RANDOM = bytes.fromhex("CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C")


def record(content_type, body, version=TLS12):
    return bytes([content_type]) + version + struct.pack(">H", len(body)) + body


def handshake(msg_type, body):
    return bytes([msg_type]) + struct.pack(">I", len(body))[1:] + body


def u24(n):
    return struct.pack(">I", n)[1:]


def ext(ext_type, body):
    return struct.pack(">HH", ext_type, len(body)) + body


class ClientHello:
    """The fields of a ClientHello the canned answers echo."""

    def __init__(self, session_id=b""):
        self.session_id = session_id


def parse_client_hello(data):
    """Returns (ClientHello, bytes consumed) once a whole ClientHello record is in data,
    (None, 0) while more is needed. Raises ValueError on something that is not one."""
    if len(data) < 5:
        return None, 0
    if data[0] != HANDSHAKE:
        raise ValueError("not a handshake record")
    length = struct.unpack(">H", data[3:5])[0]
    if len(data) < 5 + length:
        return None, 0
    body = data[5 : 5 + length]
    # type(1) len(3) version(2) random(32) session_id_len(1) session_id
    if len(body) < 39 or body[0] != 1:
        raise ValueError("not a ClientHello")
    sid_len = body[38]
    return ClientHello(body[39 : 39 + sid_len]), 5 + length


def server_hello_tls12(hello, cipher=0xC02F):
    """A TLS 1.2 ServerHello picking ECDHE-RSA-AES128-GCM-SHA256, with the
    renegotiation_info an OpenSSL 3 client insists on."""
    random = os.urandom(24) + b"\x00" * 8  # not the TLS 1.3 downgrade sentinel
    extensions = ext(0xFF01, b"\x00")
    body = (
        TLS12
        + random
        + bytes([len(hello.session_id)])
        + hello.session_id
        + struct.pack(">H", cipher)
        + b"\x00"
        + struct.pack(">H", len(extensions))
        + extensions
    )
    return handshake(2, body)


def hello_retry_request(hello, group=0x0017):
    """A TLS 1.3 HelloRetryRequest asking for another key share."""
    extensions = ext(0x002B, b"\x03\x04") + ext(0x0033, struct.pack(">H", group))
    body = (
        TLS12
        + HRR_RANDOM
        + bytes([len(hello.session_id)])
        + hello.session_id
        + b"\x13\x01"
        + b"\x00"
        + struct.pack(">H", len(extensions))
        + extensions
    )
    return record(HANDSHAKE, handshake(2, body))


def certificate_message(der_list):
    entries = b"".join(u24(len(d)) + d for d in der_list)
    return handshake(11, u24(len(entries)) + entries)


def certificate_flight(hello, der):
    """ServerHello + a Certificate message carrying der as the one certificate."""
    return record(HANDSHAKE, server_hello_tls12(hello) + certificate_message([der]))


def malformed_der():
    """Not DER: a SEQUENCE header announcing more than is there, then junk."""
    return b"\x30\x82\x04\x00" + b"\x02\x01\x01" + os.urandom(200)


def huge_message_start(hello):
    """ServerHello, then a full 16 KB record opening a Certificate message that announces
    16 MB (2^24 - 1 bytes); the caller dribbles the rest."""
    start = record(HANDSHAKE, server_hello_tls12(hello))
    return start + record(HANDSHAKE, b"\x0b\xff\xff\xff" + b"\x00" * (16384 - 4))


def huge_message_dribble():
    """What follows the start of a huge message: more of it, as one more record."""
    return record(HANDSHAKE, b"\x00" * 16)


def hello_request_record():
    """16 KB of HelloRequest messages (type 0, empty): a TLS 1.2 client must ignore them
    while it waits for the ServerHello, so a stream of these never ends a handshake."""
    return record(HANDSHAKE, b"\x00\x00\x00\x00" * 4096)


def dribble_bytes(hello):
    """A plausible ServerHello, to be sent one byte at a time."""
    return record(HANDSHAKE, server_hello_tls12(hello))


def garbage(n=512):
    """Bytes that are no TLS record: the first is neither a content type nor SSLv2."""
    return b"\x01" + os.urandom(n - 1).replace(b"\n", b"\x02")


def garbage_after_header():
    """A well-framed ServerHello record whose body is junk: its session id claims 255
    bytes where 16 follow."""
    body = TLS12 + os.urandom(32) + b"\xff" + os.urandom(16)
    return record(HANDSHAKE, handshake(2, body))
