#!/usr/bin/env bash
# Cross-checks tlsfleet against two independent scanners, sslscan and nmap's
# ssl-enum-ciphers, on the endpoints of a running test fleet (tests/integration/fleet.sh).
#
#   scripts/crosscheck.sh --env DIR/fleet.env [--tlsfleet BIN] [--records FILE]
#                         [--known FILE] [--depth full|standard] [--jobs N] [SCENARIO ...]
#
# Every scenario of fleet.env that serves a certificate (FLEET_<X>_SHA256) is scanned as
# NAME@ADDRESS:PORT by all three tools, each sending the scenario's name as SNI. Compared:
#   versions  SSLv2 ... TLSv1.3, accepted or not. A version a tool does not report (nmap
#             never probes SSLv2; tlsfleet has no SSLv2/SSLv3 keys yet) is not compared.
#   suites    per accepted version, the set of accepted suites by IANA name, as soon as
#             tlsfleet's records carry tls.ciphers (--depth full).
# Prints one table row per endpoint, then every difference. A difference listed in the
# known-differences file (scripts/crosscheck_known.txt: the peer tool's error, with the
# reason) is shown but allowed.
#
# Exit status: 0 everything agrees (allowed differences aside), 1 a disagreement,
# 2 usage or setup error (a tool missing, no fleet.env, tlsfleet failed).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  sed -n '5,6p' "$0" | sed 's/^# *//' >&2
  exit 2
}

ENV_FILE=${FLEET_ENV:-}
TLSFLEET=${TLSFLEET_BIN:-$ROOT/build/tlsfleet}
RECORDS=""
KNOWN=$ROOT/scripts/crosscheck_known.txt
DEPTH=""
JOBS=4
SCENARIOS=()
while [ $# -gt 0 ]; do
  case $1 in
    --env) ENV_FILE=$2; shift 2 ;;
    --tlsfleet) TLSFLEET=$2; shift 2 ;;
    --records) RECORDS=$2; shift 2 ;;
    --known) KNOWN=$2; shift 2 ;;
    --depth) DEPTH=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    -h | --help) usage ;;
    -*) echo "crosscheck: unknown option $1" >&2; usage ;;
    *) SCENARIOS+=("$1"); shift ;;
  esac
done

die() {
  echo "crosscheck: $*" >&2
  exit 2
}

[ -n "$ENV_FILE" ] || die "no fleet.env: pass --env DIR/fleet.env (fleet.sh start DIR writes it)"
[ -f "$ENV_FILE" ] || die "$ENV_FILE not found"
for tool in sslscan nmap python3; do
  command -v "$tool" >/dev/null || die "$tool is not installed (run scripts/setup.sh)"
done
if [ -z "$RECORDS" ]; then
  [ -x "$TLSFLEET" ] || die "tlsfleet binary $TLSFLEET not found (build it, or pass --tlsfleet)"
fi
[ -f "$KNOWN" ] || die "known-differences file $KNOWN not found"

export CC_ROOT=$ROOT CC_ENV=$ENV_FILE CC_TLSFLEET=$TLSFLEET CC_RECORDS=$RECORDS CC_KNOWN=$KNOWN
export CC_DEPTH=$DEPTH CC_JOBS=$JOBS
exec python3 - "${SCENARIOS[@]}" <<'PY'
import concurrent.futures
import fnmatch
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

VERSIONS = ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
TOOLS = ["sslscan", "nmap"]


def fail_setup(message):
    print("crosscheck: " + message, file=sys.stderr)
    sys.exit(2)


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                env[key] = value
    return env


def endpoints(env, wanted):
    """(scenario, name, ip, port) for every scenario that serves a certificate."""
    port = env["FLEET_PORT"]
    out = []
    for key in sorted(env):
        m = re.fullmatch(r"FLEET_([A-Z0-9]+)_SHA256", key)
        if not m or ("FLEET_%s_IP" % m.group(1)) not in env:
            continue
        scenario = m.group(1).lower()
        if wanted and scenario not in wanted:
            continue
        out.append((scenario, env["FLEET_%s_HOST" % m.group(1)], env["FLEET_%s_IP" % m.group(1)], port))
    unknown = set(wanted) - {e[0] for e in out}
    if unknown:
        fail_setup("no such TLS scenario in fleet.env: " + ", ".join(sorted(unknown)))
    out.sort(key=lambda e: tuple(int(x) for x in e[2].split(".")))
    return out


def iana_names():
    """Cipher suite code -> IANA name, from the table tls/ is generated from."""
    table = {}
    inc = os.path.join(os.environ["CC_ROOT"], "tls", "iana_cipher_suites.inc")
    csv = os.path.join(os.environ["CC_ROOT"], "..", "shared", "data", "iana-tls-cipher-suites.csv")
    if os.path.exists(inc):
        for m in re.finditer(r'\{0x([0-9A-Fa-f]{4}),\s*"([A-Za-z0-9_]+)"', open(inc).read()):
            table[int(m.group(1), 16)] = m.group(2)
    elif os.path.exists(csv):
        for m in re.finditer(r'^"0x([0-9A-Fa-f]{2}),0x([0-9A-Fa-f]{2})",(TLS_[A-Za-z0-9_]+),', open(csv).read(), re.M):
            table[int(m.group(1) + m.group(2), 16)] = m.group(3)
    return table


# ------------------------------------------------------------------ the three tools

def run(argv, timeout):
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return -1, "", "timed out after %ss" % timeout


def by_endpoint(lines):
    """(sni, ip, port) -> record."""
    records = {}
    for line in lines:
        if line.strip():
            r = json.loads(line)
            records[(r.get("sni"), r.get("ip"), str(r.get("port")))] = r
    return records


def tlsfleet_records(env, eps):
    """(sni, ip, port) -> record, and where the records came from."""
    if os.environ["CC_RECORDS"]:
        with open(os.environ["CC_RECORDS"]) as f:
            return by_endpoint(f), "records from " + os.environ["CC_RECORDS"]
    depths = [os.environ["CC_DEPTH"]] if os.environ["CC_DEPTH"] else ["full", "standard"]
    targets = ["%s@%s:%s" % (name, ip, port) for _, name, ip, port in eps]
    for depth in depths:
        argv = [os.environ["CC_TLSFLEET"], "scan", "--depth", depth, "--no-progress",
                "--resolver", env["FLEET_RESOLVER"], "--ca-file", env["FLEET_CA"],
                "--timeout", "5", "--ports", env["FLEET_PORT"]] + targets
        code, out, err = run(argv, 300)
        # Exit status 2 is a usage error: --depth full in a build that does not have it yet.
        if code == 2 and depth != depths[-1]:
            continue
        if code != 0:
            fail_setup("tlsfleet failed (exit %s): %s" % (code, err.strip()))
        return by_endpoint(out.splitlines()), "tlsfleet --depth " + depth
    fail_setup("tlsfleet ran at no depth")


def from_tlsfleet(record):
    """versions: name -> bool for the versions the record states; suites: version -> set,
    or None when the record has no tls.ciphers."""
    tls = record.get("tls") or {}
    versions = dict(tls.get("protocols") or {})
    suites = None
    if isinstance(tls.get("ciphers"), dict):
        suites = {v: set(s) for v, s in tls["ciphers"].items()}
    return versions, suites, record.get("status")


def from_sslscan(name, ip, port, iana):
    code, out, err = run(["sslscan", "--no-colour", "--xml=-", "--sni-name=" + name,
                          "%s:%s" % (ip, port)], 120)
    try:
        test = ET.fromstring(out).find("ssltest")
    except ET.ParseError:
        test = None
    if test is None:
        return None, None, "sslscan gave no result (exit %s): %s" % (code, (err or out).strip()[:200])
    versions = {}
    for p in test.findall("protocol"):
        if p.get("type") == "ssl":
            versions["SSLv" + p.get("version")] = p.get("enabled") == "1"
        elif p.get("type") == "tls":
            versions["TLSv" + p.get("version")] = p.get("enabled") == "1"
    suites = {}
    for c in test.findall("cipher"):
        version = c.get("sslversion")
        code_point = int(c.get("id"), 16) if c.get("id") else None
        suite = iana.get(code_point, c.get("cipher"))
        suites.setdefault(version, set()).add(suite)
    return versions, suites, None


def from_nmap(name, ip, port):
    code, out, err = run(["nmap", "-sT", "-Pn", "-n", "-p", str(port), "--script", "+ssl-enum-ciphers",
                          "--script-args", "tls.servername=" + name, "-oX", "-", ip], 300)
    try:
        root = ET.fromstring(out)
    except ET.ParseError:
        return None, None, "nmap gave no XML (exit %s): %s" % (code, err.strip()[:200])
    script = root.find(".//port/script[@id='ssl-enum-ciphers']")
    # ssl-enum-ciphers probes SSLv3 through TLS 1.3 and lists the versions with at least one
    # suite accepted; no script output means it found none.
    versions = {v: False for v in VERSIONS[1:]}
    suites = {}
    if script is not None:
        for table in script.findall("table"):
            version = table.get("key")
            if version not in versions:
                continue
            versions[version] = True
            for elem in table.findall("./table[@key='ciphers']/table/elem[@key='name']"):
                # nmap 7.9x spells the TLS 1.3 suites with their draft names.
                suites.setdefault(version, set()).add(re.sub(r"^TLS_AKE_WITH_", "TLS_", elem.text))
    return versions, suites, None


# ------------------------------------------------------------------ comparing

def read_known(path):
    """(tool, endpoint glob, item glob, reason) per line of the known-differences file."""
    known = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 3)
            if len(parts) < 4 or parts[0] not in TOOLS:
                fail_setup("%s:%d: expected 'TOOL ENDPOINT ITEM REASON' (TOOL one of %s)"
                           % (path, number, ", ".join(TOOLS)))
            known.append(tuple(parts) + (number,))
    return known


def allowed(known, tool, endpoint, item):
    for k_tool, k_endpoint, k_item, reason, number in known:
        if k_tool == tool and fnmatch.fnmatchcase(endpoint, k_endpoint) and fnmatch.fnmatchcase(item, k_item):
            return reason, number
    return None


def word(value):
    return {True: "accepted", False: "refused"}.get(value, str(value))


def main():
    env = read_env(os.environ["CC_ENV"])
    eps = endpoints(env, sys.argv[1:])
    if not eps:
        fail_setup("no TLS scenario in " + os.environ["CC_ENV"])
    known = read_known(os.environ["CC_KNOWN"])
    iana = iana_names()
    records, source = tlsfleet_records(env, eps)

    jobs = max(1, int(os.environ["CC_JOBS"]))
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        sslscan = {e: pool.submit(from_sslscan, e[1], e[2], e[3], iana) for e in eps}
        nmap = {e: pool.submit(from_nmap, e[1], e[2], e[3]) for e in eps}
        peers = {e: {"sslscan": sslscan[e].result(), "nmap": nmap[e].result()} for e in eps}

    differences = []  # (endpoint, tool, item, tlsfleet's, tool's)
    rows = []
    suites_compared = False
    for e in eps:
        scenario, name, ip, port = e
        label = "%s@%s:%s" % (name, ip, port)
        record = records.get((name, ip, port))
        if record is None:
            differences.append((name, "tlsfleet", "record", "missing", "-"))
            rows.append((label, {}, "no tlsfleet record"))
            continue
        t_versions, t_suites, status = from_tlsfleet(record)
        if not t_versions:
            differences.append((name, "tlsfleet", "tls.protocols", "absent (status %s)" % status, "-"))
        cells = {}
        for version in VERSIONS:
            cell = "Y" if t_versions.get(version) is True else "n" if version in t_versions else "-"
            for tool in TOOLS:
                p_versions, _, error = peers[e][tool]
                if error:
                    cell += "?"
                    continue
                cell += "Y" if p_versions.get(version) is True else "n" if version in p_versions else "-"
                if version in t_versions and version in p_versions and t_versions[version] != p_versions[version]:
                    differences.append((name, tool, version, t_versions[version], p_versions[version]))
            cells[version] = cell
        for tool in TOOLS:
            if peers[e][tool][2]:
                differences.append((name, tool, "result", "-", peers[e][tool][2]))
        if t_suites is not None:
            suites_compared = True
            for tool in TOOLS:
                _, p_suites, error = peers[e][tool]
                if error:
                    continue
                for version in sorted(set(t_suites) | set(p_suites)):
                    # Only where both say the version is accepted; the version rows speak
                    # for the rest.
                    if not (t_versions.get(version) and peers[e][tool][0].get(version)):
                        continue
                    mine, theirs = t_suites.get(version, set()), p_suites.get(version, set())
                    for suite in sorted(mine - theirs):
                        differences.append((name, tool, version + ":" + suite, True, False))
                    for suite in sorted(theirs - mine):
                        differences.append((name, tool, version + ":" + suite, False, True))
        rows.append((label, cells, status))

    print("crosscheck: %d endpoints; tlsfleet from %s; suites %s" % (
        len(eps), source, "compared" if suites_compared else
        "not compared (tlsfleet's records have no tls.ciphers)"))
    print("cells: tlsfleet, sslscan, nmap -- Y accepted, n refused, - not probed, ? tool failed")
    width = max(len(r[0]) for r in rows)
    print("%-*s  %s  %s" % (width, "endpoint", "  ".join("%-7s" % v for v in VERSIONS), "tlsfleet status"))
    for label, cells, status in rows:
        print("%-*s  %s  %s" % (width, label, "  ".join("%-7s" % cells.get(v, "") for v in VERSIONS), status))

    disagreements = 0
    if differences:
        print()
        print("differences:")
    for name, tool, item, mine, theirs in differences:
        verdict = allowed(known, tool, name, item) if tool in TOOLS else None
        said = "tlsfleet %s, %s %s" % (word(mine), tool, word(theirs))
        if verdict:
            print("  allowed   %-18s %-8s %-48s %s; known (line %d): %s" % (
                name, tool, item, said, verdict[1], verdict[0]))
        else:
            disagreements += 1
            print("  DISAGREE  %-18s %-8s %-48s %s" % (name, tool, item, said))
    print()
    if disagreements:
        print("crosscheck: %d disagreement(s); a peer tool's error goes in %s with its reason"
              % (disagreements, os.environ["CC_KNOWN"]))
        return 1
    print("crosscheck: tlsfleet agrees with sslscan and nmap")
    return 0


sys.exit(main())
PY
