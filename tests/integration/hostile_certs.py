"""Certificates no CA would issue, for the hostile test servers.

`openssl req` cannot put a newline, a control byte or invalid UTF-8 into a name, so the
TBSCertificate is assembled here in DER by hand and signed with `openssl dgst` (ECDSA
P-256, SHA-256): the signatures are real, only the contents are hostile. Nothing here
needs more than the Python standard library and the openssl command.

  weird      subject and SANs with quotes, backslashes, newlines, control bytes,
             T61String/BMPString values and SAN bytes that are not UTF-8
  manysans   10,000 DNS names in the SAN
  longchain  a 12-certificate chain (leaf + 11 CAs) of more than 64 KB
  badutf8    a UTF8String subject holding bytes that are not UTF-8 (OpenSSL refuses to
             decode it, so no real server can load it: it is served from canned bytes)
"""

import base64
import os
import subprocess

# ---------------------------------------------------------------- DER


def der_len(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag, content):
    return bytes([tag]) + der_len(len(content)) + content


def seq(*items):
    return tlv(0x30, b"".join(items))


def der_set(*items):
    return tlv(0x31, b"".join(items))


def integer(value):
    body = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big")
    return tlv(0x02, body)


def oid(dotted):
    parts = [int(p) for p in dotted.split(".")]
    body = bytes([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, body)


def explicit(n, content):
    return tlv(0xA0 | n, content)


UTF8, PRINTABLE, T61, IA5, BMP = 0x0C, 0x13, 0x14, 0x16, 0x1E
OID_CN, OID_O, OID_OU = "2.5.4.3", "2.5.4.10", "2.5.4.11"
ECDSA_SHA256 = seq(oid("1.2.840.10045.4.3.2"))


def name(*attributes):
    """attributes: (oid, string tag, raw bytes), one RDN each, in DER order."""
    return seq(*(der_set(seq(oid(o), tlv(tag, value))) for o, tag, value in attributes))


def validity(days_before, days_after):
    import datetime

    now = datetime.datetime.now(datetime.timezone.utc)
    fmt = "%y%m%d%H%M%SZ"
    start = (now - datetime.timedelta(days=days_before)).strftime(fmt).encode()
    end = (now + datetime.timedelta(days=days_after)).strftime(fmt).encode()
    return seq(tlv(0x17, start), tlv(0x17, end))


def extension(dotted, value, critical=False):
    crit = tlv(0x01, b"\xff") if critical else b""
    return seq(oid(dotted), crit, tlv(0x04, value))


def san(dns_names):
    """A subjectAltName of raw DNS name bytes (IA5String by tag, whatever they hold)."""
    return extension("2.5.29.17", seq(*(tlv(0x82, n) for n in dns_names)))


def basic_constraints(ca):
    return extension("2.5.29.19", seq(tlv(0x01, b"\xff")) if ca else seq(), critical=True)


def padding(size):
    # A private, non-critical extension: clients skip it, but it makes the chain big.
    return extension("1.3.6.1.4.1.59999.1", tlv(0x04, b"P" * size))


# ---------------------------------------------------------------- openssl


def run(*args, data=None):
    return subprocess.run(args, input=data, check=True, capture_output=True).stdout


def new_key(path):
    run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-out", path)
    return path


def spki(key_path):
    return run("openssl", "pkey", "-in", key_path, "-pubout", "-outform", "DER")


def sign(key_path, tbs):
    return run("openssl", "dgst", "-sha256", "-sign", key_path, data=tbs)


def certificate(serial, issuer, subject, subject_key, issuer_key, extensions):
    tbs = seq(
        explicit(0, integer(2)),
        integer(serial),
        ECDSA_SHA256,
        issuer,
        validity(1, 365),
        subject,
        spki(subject_key),
        explicit(3, seq(*extensions)),
    )
    signature = sign(issuer_key, tbs)
    return seq(tbs, ECDSA_SHA256, tlv(0x03, b"\x00" + signature))


def pem(der):
    b64 = base64.b64encode(der).decode()
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


# ---------------------------------------------------------------- the certificates

# Valid UTF-8, but every character a JSON writer must escape.
WEIRD_CN = 'we"ird\\name\nwith\ttab\x01\x1f\x7fctl'.encode()
# T61String is read as Latin-1 by OpenSSL: bytes that are invalid UTF-8 stay decodable.
WEIRD_O = b"T61 \xc3\x28\xff\xfe org"
WEIRD_OU = "BMP \u00e9 \u2603 \u2028".encode("utf-16-be")
WEIRD_SANS = [
    b"weird.hostile.test",
    b'quo"te.test',
    b"back\\slash.test",
    b"new\nline.test",
    b"ctl\x01\x1f\x7f.test",
    b"bad\xff\xfeutf8.test",
    b"\xc3\x28.test",
    b"nul\x00byte.test",
    b"caf\xc3\xa9.test",
    b"ls\xe2\x80\xa8sep.test",
    b"surrogate\xed\xa0\x80.test",
]
MANY_SANS = 10000
CHAIN_LENGTH = 12  # certificates served: the leaf and 11 CAs
CHAIN_PADDING = 5600  # bytes per certificate, so that 12 of them pass 64 KB


def leaf_extensions(sans):
    return [basic_constraints(False), san(sans)]


def make_weird(d):
    key = new_key(os.path.join(d, "weird.key"))
    subject = name((OID_O, T61, WEIRD_O), (OID_OU, BMP, WEIRD_OU), (OID_CN, UTF8, WEIRD_CN))
    der = certificate(0x3E1D, subject, subject, key, key, leaf_extensions(WEIRD_SANS))
    write(os.path.join(d, "weird.pem"), pem(der))


def make_manysans(d):
    key = new_key(os.path.join(d, "manysans.key"))
    # Short names keep the Certificate message under OpenSSL's 100 KB client limit.
    names = [b"%d.m" % i for i in range(MANY_SANS)]
    subject = name((OID_CN, UTF8, b"manysans.hostile.test"))
    der = certificate(0x5A45, subject, subject, key, key, leaf_extensions(names))
    write(os.path.join(d, "manysans.pem"), pem(der))


def make_longchain(d):
    keys = [new_key(os.path.join(d, "chain%d.key" % i)) for i in range(CHAIN_LENGTH)]
    names = [name((OID_O, UTF8, b"tlsfleet hostile"), (OID_CN, UTF8, b"hostile CA %d" % i))
             for i in range(CHAIN_LENGTH)]
    names[0] = name((OID_CN, UTF8, b"longchain.hostile.test"))
    ders = []
    for i in range(CHAIN_LENGTH):
        top = i == CHAIN_LENGTH - 1
        issuer = i if top else i + 1
        ext = [basic_constraints(i > 0), padding(CHAIN_PADDING)]
        if i == 0:
            ext.append(san([b"longchain.hostile.test"]))
        ders.append(certificate(0x1000 + i, names[issuer], names[i], keys[i], keys[issuer], ext))
    os.rename(keys[0], os.path.join(d, "longchain.key"))
    write(os.path.join(d, "longchain.pem"), pem(ders[0]))
    write(os.path.join(d, "longchain.chain.pem"), "".join(pem(x) for x in ders[1:]))
    return sum(len(x) for x in ders)


def make_badutf8(d):
    key = new_key(os.path.join(d, "badutf8.key"))
    subject = name((OID_CN, UTF8, b"bad\xff\xfeutf8.hostile.test"))
    extensions = leaf_extensions([b"badutf8.hostile.test"])
    der = certificate(0xBAD8, subject, subject, key, key, extensions)
    with open(os.path.join(d, "badutf8.der"), "wb") as f:
        f.write(der)


def make_all(d):
    """Writes DIR/{weird,manysans,longchain}.{pem,key}, longchain.chain.pem and
    badutf8.der; returns facts for the env file."""
    os.makedirs(d, exist_ok=True)
    make_weird(d)
    make_manysans(d)
    make_badutf8(d)
    chain_bytes = make_longchain(d)
    return {"CHAIN_BYTES": str(chain_bytes), "CHAIN_LENGTH": str(CHAIN_LENGTH),
            "MANY_SANS": str(MANY_SANS)}
