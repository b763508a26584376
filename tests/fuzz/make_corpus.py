#!/usr/bin/env python3
"""Writes the seed corpus of every fuzzer in tests/fuzz/corpus/<fuzzer>/. The seeds are
checked in; run this again only to change them. Server flights are captured from a real
`openssl s_server` on 127.88.255.1 (started and stopped here) and from the canned bytes
of the hostile test servers; certificates come from openssl and hostile_certs.py.

    python3 tests/fuzz/make_corpus.py
"""

import os
import random
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import hostile_certs  # noqa: E402
import hostile_tls as tls  # noqa: E402

CORPUS = os.path.join(HERE, "corpus")
SERVER = ("127.88.255.1", 48443)


def put(fuzzer, name, data):
    d = os.path.join(CORPUS, fuzzer)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def targets():
    seeds = {
        "name": "example.com", "name_port": "example.com:8443", "v4": "10.0.0.5",
        "v6_port": "[2001:db8::5]:8443", "cidr4": "10.0.0.0/16", "cidr6": "2001:db8::/120",
        "range": "10.0.0.1-10.0.0.99", "name_at": "shop.example.com@10.0.0.5:443",
        "name_at_v6": "shop.example.com@[2001:db8::5]:443",
        "url": "https://example.com:8443/path?q#frag", "v6_all": "::/0",
        "file": "\ufeff# targets\r\nexample.com\r\n10.0.0.0/30 # lab\n\n  bad..name\n"
                "10.0.0.9-10.0.0.1\nexample.com:0\n[::1]:70000\n",
    }
    for name, text in seeds.items():
        put("target_fuzzer", name, text.encode())


def capture_flight(max_version):
    """The server's first flight in answer to Python's ClientHello."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.maximum_version = max_version
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="fuzz.test")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    with socket.create_connection(SERVER, timeout=5) as s:
        s.sendall(outgoing.read())
        time.sleep(0.3)
        s.settimeout(0.5)
        data = b""
        try:
            while len(data) < 65536:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            pass
    return data


def client_session_seeds(d):
    key = hostile_certs.new_key(os.path.join(d, "leaf.key"))
    subject = hostile_certs.name((hostile_certs.OID_CN, hostile_certs.UTF8, b"fuzz.test"))
    der = hostile_certs.certificate(7, subject, subject, key, key,
                                    hostile_certs.leaf_extensions([b"fuzz.test"]))
    with open(os.path.join(d, "leaf.pem"), "w") as f:
        f.write(hostile_certs.pem(der))
    server = subprocess.Popen(
        ["openssl", "s_server", "-quiet", "-accept", "%s:%d" % SERVER, "-cert",
         os.path.join(d, "leaf.pem"), "-key", key, "-naccept", "2"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        flights = {"tls12_flight": capture_flight(ssl.TLSVersion.TLSv1_2),
                   "tls13_flight": capture_flight(ssl.TLSVersion.TLSv1_3)}
    finally:
        server.kill()
        server.wait()
    hello = tls.ClientHello(os.urandom(32))
    flights.update({
        "hrr": tls.hello_retry_request(hello),
        "bad_der": tls.certificate_flight(hello, tls.malformed_der()),
        "huge_message": tls.huge_message_start(hello)[:2048],
        "hello_requests": tls.hello_request_record()[:4096],
        "bad_record": tls.garbage_after_header(),
        "garbage": tls.garbage(64),
        "http": b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
        "alert": tls.record(tls.ALERT, b"\x02\x28"),
        "sslv2_like": b"\x80\x2e\x02\x00\x02" + os.urandom(40),
    })
    for name, data in flights.items():
        # byte 0: profile, SNI, early stop (bits 2-3) and proceed (bit 4); byte 1: chunk
        # size (0 = all at once). See client_session_fuzzer.cpp.
        put("client_session_fuzzer", name, b"\x80\x00" + data)
        put("client_session_fuzzer", name + "_dribbled_legacy", b"\x03\x07" + data)
        put("client_session_fuzzer", name + "_stop_hello", b"\x84\x00" + data)
        put("client_session_fuzzer", name + "_stop_certificate_proceed", b"\x18\x05" + data)
    return der


def certs(d, leaf_der):
    put("cert_fuzzer", "leaf_ec", leaf_der)
    hostile_certs.make_weird(d)
    hostile_certs.make_badutf8(d)
    put("cert_fuzzer", "badutf8", open(os.path.join(d, "badutf8.der"), "rb").read())
    weird_pem = os.path.join(d, "weird.pem")
    made = {"weird": weird_pem}
    for name, args in {
        "rsa1024": ["-newkey", "rsa:1024", "-addext", "subjectAltName=DNS:a.test,IP:10.0.0.1"],
        "ed25519": ["-newkey", "ed25519", "-addext", "subjectAltName=IP:2001:db8::1"],
        "ca_sha1": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-sha1"],
    }.items():
        out = os.path.join(d, name + ".pem")
        subprocess.run(["openssl", "req", "-x509", "-nodes", "-days", "20000", "-subj",
                        "/CN=%s.test/O=seed" % name, "-keyout", os.path.join(d, name + ".key"),
                        "-out", out] + args, check=True, capture_output=True)
        made[name] = out
    for name, path in made.items():
        der = subprocess.run(["openssl", "x509", "-in", path, "-outform", "DER"],
                             check=True, capture_output=True).stdout
        put("cert_fuzzer", name, der)


def records():
    rng = random.Random(2026)
    for i in range(6):
        put("native_record_fuzzer", "random%d" % i, bytes(rng.randrange(256) for _ in range(600)))
    put("native_record_fuzzer", "hostile_strings",
        b'"\\\n\x00\x01\x1f\x7f\xc3\x28\xed\xa0\x80\xe2\x80\xa8\xf0\x9f\x98\x80' * 20)


def dns_name(text):
    return b"".join(bytes([len(label)]) + label.encode() for label in text.split(".")) + b"\0"


def dns_pointer(offset):
    return bytes([0xC0 | offset >> 8, offset & 0xFF])


def dns_reply(qname, qtype, flags, answers):
    """A reply to qname: answers are (owner bytes, type, rdata); class IN, TTL 3600."""
    out = b"\xbe\xef" + flags.to_bytes(2, "big") + b"\0\1" + len(answers).to_bytes(2, "big")
    out += b"\0\0\0\0" + dns_name(qname) + qtype.to_bytes(2, "big") + b"\0\1"
    for owner, rtype, rdata in answers:
        out += owner + rtype.to_bytes(2, "big") + b"\0\1\0\0\x0e\x10"
        out += len(rdata).to_bytes(2, "big") + rdata
    return out


def dns_replies():
    # Byte 0: bit 0 asks AAAA, bit 1 takes the name from the input (byte 1 its length);
    # else the question is www.example.com. See dns_reply_fuzzer.cpp.
    a, cname, aaaa, noerror, nxdomain = 1, 5, 28, 0x8180, 0x8183
    question = dns_pointer(12)
    put("dns_reply_fuzzer", "a", b"\0" + dns_reply(
        "www.example.com", a, noerror,
        [(question, a, bytes([192, 0, 2, 1])), (question, a, bytes([192, 0, 2, 2]))]))
    # www.example.com CNAME cdn.example.com ("cdn" and a pointer to the question's
    # example.com at 16), whose rdata starts at 45: the A record's owner points there.
    put("dns_reply_fuzzer", "cname_chain", b"\0" + dns_reply(
        "www.example.com", a, noerror,
        [(question, cname, b"\3cdn" + dns_pointer(16)),
         (dns_pointer(45), a, bytes([192, 0, 2, 7]))]))
    put("dns_reply_fuzzer", "nxdomain", b"\0" + dns_reply("www.example.com", a, nxdomain, []))
    put("dns_reply_fuzzer", "aaaa", b"\1" + dns_reply(
        "www.example.com", aaaa, noerror,
        [(question, aaaa, bytes.fromhex("20010db8000000000000000000000005"))]))
    name = b"Shop.Example.ORG."
    put("dns_reply_fuzzer", "own_name", b"\2" + bytes([len(name)]) + name + dns_reply(
        "SHOP.example.org", a, noerror, [(dns_name("shop.EXAMPLE.org"), a, bytes([10, 0, 0, 5]))]))


if __name__ == "__main__":
    targets()
    with tempfile.TemporaryDirectory() as d:
        leaf = client_session_seeds(d)
        certs(d, leaf)
    records()
    dns_replies()
