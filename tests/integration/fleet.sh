#!/usr/bin/env bash
# The local test fleet: real TLS servers on loopback for the integration tests and the demo.
#
#   fleet.sh start DIR   make a PKI in DIR, start every server, wait until all accept,
#                        write DIR/fleet.env (addresses, names, fingerprints, pids)
#   fleet.sh stop DIR    stop everything that `start DIR` started, and wait for it
#
# Every scenario has its own address in FLEET_NET.0/24 (default 127.84.0) and listens on
# FLEET_PORT (default 8443), so a scan of the /28 below sees one scenario per address and
# nothing here collides with anything else on the machine. Nothing binds outside 127/8.
#
#   .17 valid.test       nginx, leaf + intermediate, OCSP stapled, ALPN h2
#   .18 valid2.test      nginx, like valid (multi.test points at .17 and .18)
#   .19 expired.test     nginx, leaf expired 30 days ago
#   .20 notyet.test      nginx, leaf valid from 30 days in the future
#   .21 selfsigned.test  nginx, self-signed leaf
#   .22 wrongname.test   nginx, leaf for elsewhere.test
#   .23 noint.test       nginx, leaf served without its intermediate
#   .24 misordered.test  nginx, served as leaf, root, intermediate
#   .25 weakkey.test     openssl s_server, RSA-1024 leaf
#   .26 haproxy.test     HAProxy, leaf (RSA-2048) + intermediate, OCSP stapled, ALPN h2
#   .27 plaintext.test   nginx without TLS on the TLS port
#   .28 closed.test      nothing listens (connection refused)
#   .29 silent.test      accepts and never answers (python3)
#
# The standard- and full-depth scenarios (protocol versions, suites, SNI, resumption, OCSP)
# live in the next /28, .32-.47; their leaves are issued by the same intermediate:
#   .32 legacy.test      nginx, TLS 1.0, 1.1 and 1.2 (SECLEVEL=0), no TLS 1.3
#   .33 legacyonly.test  nginx, TLS 1.0 and 1.1 only: no modern version
#   .34 tls12.test       nginx, TLS 1.2 only
#   .35 tls13.test       nginx, TLS 1.3 only
#   .36 weakcipher.test  gnutls-serv, TLS 1.2 only, RSA leaf; accepts 3DES and static-RSA
#                        suites and prefers them (server order, 3DES first)
#   .37 serverpref.test  nginx, ssl_prefer_server_ciphers on, CBC-first (1.2) and
#                        AES-128-first (1.3) orders no client would choose
#   .38 clientpref.test  nginx, the same suites in the same order, preference off
#   .39 strictsni.test   HAProxy, strict-sni: a hello without SNI is refused
#   .40 crtlist.test     HAProxy, crt-list whose first (default) entry is for fallback.test
#   .41 resumeoff.test   nginx, ssl_session_cache off and ssl_session_tickets off
#   .42 resumeon.test    nginx, ssl_session_cache shared and ssl_session_tickets on
#   .43 ocsp.test        nginx, leaf names an OCSP responder, response stapled
#   .44 nostaple.test    nginx, leaf names an OCSP responder, nothing stapled
#   .45 dheonly.test     gnutls-serv, TLS 1.2 only, RSA leaf, DHE-RSA key exchange only
#                        (no ECDHE), groups ffdhe2048 and ffdhe3072 (RFC 7919)
#   .46 weakdh.test      openssl s_server, TLS 1.2 only, RSA leaf, DHE suites only, the
#                        server's own 1024-bit prime (RFC 5114's, no RFC 7919 group)
#   .53 port 5353        dnsmasq: every name above under .test, multi.test -> .17 and .18,
#                        any other *.test -> NXDOMAIN
# .16, .30 and .31 stay empty (refused), so the /28 .16-.31 is the whole basic fleet; .47
# stays empty too, so .32/28 holds the deep scenarios and nothing else.
set -euo pipefail

NET=${FLEET_NET:-127.84.0}
PORT=${FLEET_PORT:-8443}
DNS_IP=$NET.53
DNS_PORT=${FLEET_DNS_PORT:-5353}
READY_SECONDS=20
STOP_SECONDS=10

# name  last-octet  server  certificate-names
SCENARIOS=(
  "valid       17 nginx   valid.test,multi.test"
  "valid2      18 nginx   valid2.test,multi.test"
  "expired     19 nginx   expired.test"
  "notyet      20 nginx   notyet.test"
  "selfsigned  21 nginx   selfsigned.test"
  "wrongname   22 nginx   elsewhere.test"
  "noint       23 nginx   noint.test"
  "misordered  24 nginx   misordered.test"
  "weakkey     25 sserver weakkey.test"
  "haproxy     26 haproxy haproxy.test"
  "plaintext   27 plain   -"
  "closed      28 none    -"
  "silent      29 silent  -"
  "legacy      32 nginx   legacy.test"
  "legacyonly  33 nginx   legacyonly.test"
  "tls12       34 nginx   tls12.test"
  "tls13       35 nginx   tls13.test"
  "weakcipher  36 gnutls  weakcipher.test"
  "serverpref  37 nginx   serverpref.test"
  "clientpref  38 nginx   clientpref.test"
  "strictsni   39 haproxy strictsni.test"
  "crtlist     40 haproxy crtlist.test"
  "resumeoff   41 nginx   resumeoff.test"
  "resumeon    42 nginx   resumeon.test"
  "ocsp        43 nginx   ocsp.test"
  "nostaple    44 nginx   nostaple.test"
  "dheonly     45 gnutls  dheonly.test"
  "weakdh      46 sserver weakdh.test"
)

# The server and client preference scenarios share one order that no client would pick
# (CBC with SHA-1 before AEAD; AES-128 before AES-256), so which side chose shows.
PREF_CIPHERS=ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384
PREF_CIPHERSUITES=TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384
# GnuTLS priority of the 3DES scenario: TLS 1.2 only; static RSA before ECDHE, 3DES before
# AES; the server's order wins. A client that offers 3DES gets it; one that does not (every
# current OpenSSL) gets TLS_RSA_WITH_AES_128_GCM_SHA256.
WEAKCIPHER_PRIORITY='NONE:+VERS-TLS1.2:+RSA:+ECDHE-RSA:+3DES-CBC:+AES-128-GCM:+AES-128-CBC:+AEAD:+SHA1:+COMP-NULL:+SIGN-ALL:+GROUP-ALL:+CTYPE-X509:%SERVER_PRECEDENCE'
# GnuTLS priority of the DHE-only scenario: TLS 1.2 only, DHE-RSA the only key exchange,
# ffdhe2048 and ffdhe3072 the only groups (negotiated by supported_groups, RFC 7919).
DHEONLY_PRIORITY='NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+DHE-RSA:-GROUP-ALL:+GROUP-FFDHE2048:+GROUP-FFDHE3072'
# The OCSP responder the ocsp and nostaple leaves name; nothing fetches from it.
OCSP_URL=http://ocsp.test/

die() {
  echo "fleet.sh: $*" >&2
  exit 1
}
log() { echo "fleet.sh: $*" >&2; }

usage() {
  echo "usage: fleet.sh start DIR | fleet.sh stop DIR" >&2
  exit 2
}

# ---------------------------------------------------------------- processes

# A pid is alive when it exists and is not a zombie waiting for a parent that never reaps.
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat:0:1}" != Z ]
}

# True when pid $1 is still one of ours: its command line names the fleet directory.
ours() {
  alive "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# Starts a server in its own session (so a Ctrl-C meant for the caller does not reach it),
# detached from the caller's pipes, and records its pid.
spawn() {
  local name=$1
  shift
  setsid "$@" </dev/null >"$DIR/logs/$name.out" 2>&1 &
  PIDS+=("$name=$!")
}

accepts() {
  timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# ---------------------------------------------------------------- PKI

write_openssl_cnf() {
  cat >"$PKI/openssl.cnf" <<EOF
SAN = DNS:invalid.test
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused
[ ca ]
default_ca = intermediate_ca
[ intermediate_ca ]
dir = $PKI
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
certificate = \$dir/intermediate.pem
private_key = \$dir/intermediate.key
default_md = sha256
default_days = 365
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
preserve = yes
[ policy_any ]
organizationName = optional
commonName = supplied
[ v3_root ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_intermediate ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_leaf ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = \$ENV::SAN
[ v3_leaf_ocsp ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = \$ENV::SAN
authorityInfoAccess = OCSP;URI:$OCSP_URL
[ v3_self_signed ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = \$ENV::SAN
EOF
}

ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
rsa_key() {
  openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" -out "$1" 2>/dev/null
}

# The SAN for certificate names "a.test,b.test" plus, for the valid family, the address,
# so that an address scan of those servers matches too.
san_for() {
  local names=$1 ip=$2 san="" n
  IFS=, read -ra list <<<"$names"
  for n in "${list[@]}"; do san+="${san:+,}DNS:$n"; done
  [ -n "$ip" ] && san+=",IP:$ip"
  echo "$san"
}

utc_in() { date -u -d "$1" +%Y%m%d%H%M%SZ; }

# Issues $PKI/$name.pem from the intermediate. Args: name, names, ip-or-empty, key kind,
# start date, end date, and optionally the extension section (v3_leaf).
issue_leaf() {
  local name=$1 names=$2 ip=$3 kind=$4 start=$5 end=$6 cn=${2%%,*} ext=${7:-v3_leaf}
  case $kind in
    ec) ec_key "$PKI/$name.key" ;;
    rsa*) rsa_key "$PKI/$name.key" "${kind#rsa}" ;;
  esac
  openssl req -new -config "$PKI/openssl.cnf" -key "$PKI/$name.key" \
    -subj "/O=tlsfleet fleet/CN=$cn" -out "$PKI/$name.csr"
  SAN=$(san_for "$names" "$ip") openssl ca -batch -config "$PKI/openssl.cnf" \
    -extensions "$ext" -startdate "$start" -enddate "$end" -notext \
    -in "$PKI/$name.csr" -out "$PKI/$name.pem" 2>"$PKI/$name.ca.log" ||
    die "openssl ca failed for $name: $(cat "$PKI/$name.ca.log")"
}

make_pki() {
  mkdir -p "$PKI/newcerts"
  : >"$PKI/index.txt"
  echo 1000 >"$PKI/serial"
  write_openssl_cnf

  ec_key "$PKI/root.key"
  openssl req -x509 -new -config "$PKI/openssl.cnf" -extensions v3_root -days 3650 \
    -key "$PKI/root.key" -subj "/O=tlsfleet fleet/CN=tlsfleet Test Root CA" \
    -set_serial 1 -out "$PKI/root.pem"
  ec_key "$PKI/intermediate.key"
  openssl req -new -config "$PKI/openssl.cnf" -key "$PKI/intermediate.key" \
    -subj "/O=tlsfleet fleet/CN=tlsfleet Test Intermediate CA" -out "$PKI/intermediate.csr"
  openssl x509 -req -in "$PKI/intermediate.csr" -CA "$PKI/root.pem" -CAkey "$PKI/root.key" \
    -extfile "$PKI/openssl.cnf" -extensions v3_intermediate -days 1825 -set_serial 2 \
    -out "$PKI/intermediate.pem" 2>/dev/null

  local now_start now_end n
  now_start=$(utc_in '-1 day')
  now_end=$(utc_in '+365 days')
  issue_leaf valid "valid.test,multi.test" "$NET.17" ec "$now_start" "$now_end"
  issue_leaf valid2 "valid2.test,multi.test" "$NET.18" ec "$now_start" "$now_end"
  issue_leaf expired expired.test "" ec "$(utc_in '-400 days')" "$(utc_in '-30 days')"
  issue_leaf notyet notyet.test "" ec "$(utc_in '+30 days')" "$(utc_in '+395 days')"
  issue_leaf wrongname elsewhere.test "" ec "$now_start" "$now_end"
  issue_leaf noint noint.test "" ec "$now_start" "$now_end"
  issue_leaf misordered misordered.test "" ec "$now_start" "$now_end"
  issue_leaf weakkey weakkey.test "" rsa1024 "$now_start" "$now_end"
  issue_leaf haproxy haproxy.test "$NET.26" rsa2048 "$now_start" "$now_end"
  local deep=(legacy legacyonly tls12 tls13 serverpref clientpref strictsni crtlist resumeoff
    resumeon)
  for n in "${deep[@]}"; do issue_leaf "$n" "$n.test" "" ec "$now_start" "$now_end"; done
  # Static-RSA key exchange needs an RSA key.
  issue_leaf weakcipher weakcipher.test "" rsa2048 "$now_start" "$now_end"
  # DHE-RSA needs an RSA key.
  issue_leaf dheonly dheonly.test "" rsa2048 "$now_start" "$now_end"
  # DHE-RSA with the server's own 1024-bit prime: RFC 5114's fixed group, so no prime search.
  issue_leaf weakdh weakdh.test "" rsa2048 "$now_start" "$now_end"
  openssl genpkey -genparam -algorithm DH -pkeyopt dh_rfc5114:1 -out "$PKI/weakdh.dh.pem"
  # crtlist's default certificate: what a client without SNI gets there.
  issue_leaf crtlist-default fallback.test "" ec "$now_start" "$now_end"
  issue_leaf ocsp ocsp.test "" ec "$now_start" "$now_end" v3_leaf_ocsp
  issue_leaf nostaple nostaple.test "" ec "$now_start" "$now_end" v3_leaf_ocsp

  ec_key "$PKI/selfsigned.key"
  SAN=DNS:selfsigned.test openssl req -x509 -new -config "$PKI/openssl.cnf" \
    -extensions v3_self_signed -days 365 -key "$PKI/selfsigned.key" \
    -subj "/O=tlsfleet fleet/CN=selfsigned.test" -out "$PKI/selfsigned.pem"

  # What each server sends: the leaf first, then what the scenario calls for.
  for n in valid valid2 expired notyet wrongname weakkey haproxy "${deep[@]}" weakcipher \
    crtlist-default ocsp nostaple; do
    cat "$PKI/$n.pem" "$PKI/intermediate.pem" >"$PKI/$n.served.pem"
  done
  cat "$PKI/dheonly.pem" "$PKI/intermediate.pem" >"$PKI/dheonly.served.pem"
  cp "$PKI/selfsigned.pem" "$PKI/selfsigned.served.pem"
  cp "$PKI/noint.pem" "$PKI/noint.served.pem"
  cat "$PKI/misordered.pem" "$PKI/root.pem" "$PKI/intermediate.pem" >"$PKI/misordered.served.pem"
  # HAProxy takes one file: certificate, chain and key; a .ocsp file beside it is stapled.
  for n in haproxy strictsni crtlist crtlist-default; do
    cat "$PKI/$n.served.pem" "$PKI/$n.key" >"$PKI/$n.bundle.pem"
  done
  # crt-list order decides the default: the first entry is served to clients without SNI.
  {
    echo "$PKI/crtlist-default.bundle.pem"
    echo "$PKI/crtlist.bundle.pem"
  } >"$PKI/crtlist.list"

  # Stapled OCSP responses ("good") for the servers that should have no finding at all.
  for n in valid valid2 haproxy ocsp; do
    openssl ocsp -index "$PKI/index.txt" -CA "$PKI/intermediate.pem" \
      -rsigner "$PKI/intermediate.pem" -rkey "$PKI/intermediate.key" \
      -issuer "$PKI/intermediate.pem" -cert "$PKI/$n.pem" -ndays 30 \
      -respout "$PKI/$n.ocsp" >/dev/null 2>&1 || die "openssl ocsp failed for $n"
  done
  cp "$PKI/haproxy.ocsp" "$PKI/haproxy.bundle.pem.ocsp"
  cp "$PKI/root.pem" "$DIR/root.pem"
}

fingerprint() {
  openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}
serial() { openssl x509 -in "$1" -noout -serial | sed 's/.*=//' | tr 'A-F' 'a-f'; }

# ---------------------------------------------------------------- servers

write_nginx_conf() {
  local conf=$DIR/nginx.conf tmp=$DIR/nginx-tmp
  mkdir -p "$tmp"
  {
    echo "daemon off;"
    echo "master_process on;"
    echo "worker_processes 1;"
    [ "$(id -u)" = 0 ] && echo "user root;"
    echo "pid $DIR/nginx.pid;"
    echo "error_log $DIR/logs/nginx-error.log warn;"
    echo "events { worker_connections 512; }"
    echo "http {"
    echo "  access_log off;"
    echo "  default_type text/plain;"
    for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $tmp/$t;"; done
    echo "  ssl_protocols TLSv1.2 TLSv1.3;"
    echo "  ssl_session_cache shared:fleet:1m;"
    local line name octet server names listen extra
    for line in "${SCENARIOS[@]}"; do
      read -r name octet server names <<<"$line"
      case $server in
        nginx)
          listen=ssl
          extra=""
          # The healthy servers: HTTP/2 offered by ALPN, OCSP response stapled.
          case $name in
            valid | valid2)
              listen="ssl http2"
              extra="ssl_stapling on; ssl_stapling_file $PKI/$name.ocsp;"
              ;;
            # Below TLS 1.2 OpenSSL signs with SHA-1, which only security level 0 allows.
            legacy) extra="ssl_protocols TLSv1 TLSv1.1 TLSv1.2; ssl_ciphers DEFAULT:@SECLEVEL=0;" ;;
            legacyonly) extra="ssl_protocols TLSv1 TLSv1.1; ssl_ciphers DEFAULT:@SECLEVEL=0;" ;;
            tls12) extra="ssl_protocols TLSv1.2;" ;;
            tls13) extra="ssl_protocols TLSv1.3;" ;;
            serverpref | clientpref)
              extra="ssl_ciphers $PREF_CIPHERS;"
              extra+=" ssl_conf_command Ciphersuites $PREF_CIPHERSUITES;"
              if [ "$name" = serverpref ]; then
                extra+=" ssl_prefer_server_ciphers on;"
              else
                extra+=" ssl_prefer_server_ciphers off;"
              fi
              ;;
            resumeoff) extra="ssl_session_cache off; ssl_session_tickets off;" ;;
            resumeon) extra="ssl_session_cache shared:SSL:1m; ssl_session_tickets on;" ;;
            ocsp) extra="ssl_stapling on; ssl_stapling_file $PKI/ocsp.ocsp;" ;;
          esac
          echo "  server {"
          echo "    listen $NET.$octet:$PORT $listen;"
          echo "    server_name $name.test;"
          echo "    ssl_certificate $PKI/$name.served.pem;"
          echo "    ssl_certificate_key $PKI/$name.key;"
          [ -n "$extra" ] && echo "    $extra"
          echo "    return 200 \"$name.test\\n\";"
          echo "  }"
          ;;
        plain)
          echo "  server {"
          echo "    listen $NET.$octet:$PORT;"
          echo "    server_name $name.test;"
          echo "    return 200 \"$name.test in clear text\\n\";"
          echo "  }"
          ;;
      esac
    done
    echo "}"
  } >"$conf"
}

write_haproxy_cfg() {
  {
    cat <<EOF
global
  maxconn 256
  ssl-default-bind-options ssl-min-ver TLSv1.2
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
EOF
    local line name octet server names bind
    for line in "${SCENARIOS[@]}"; do
      read -r name octet server names <<<"$line"
      [ "$server" = haproxy ] || continue
      case $name in
        haproxy) bind="crt $PKI/haproxy.bundle.pem" ;;
        # No default certificate for a hello without SNI: the handshake is refused.
        strictsni) bind="crt $PKI/strictsni.bundle.pem strict-sni" ;;
        # The first crt-list entry (fallback.test) is the default certificate.
        crtlist) bind="crt-list $PKI/crtlist.list" ;;
      esac
      echo "frontend ${name}_test"
      echo "  bind $NET.$octet:$PORT ssl $bind alpn h2,http/1.1"
      echo "  http-request return status 200 content-type text/plain string \"$name.test\""
    done
  } >"$DIR/haproxy.cfg"
}

write_hosts() {
  local line name octet rest
  {
    for line in "${SCENARIOS[@]}"; do
      read -r name octet rest <<<"$line"
      echo "$NET.$octet $name.test"
    done
    echo "$NET.17 multi.test"
    echo "$NET.18 multi.test"
  } >"$DIR/hosts"
}

# Accepts connections and never sends a byte: the handshake-timeout scenario. The fleet
# directory is an argument only so that `stop` can tell this process is ours.
SILENT_PY='
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(128)
held = []
while True:
    conn, _ = s.accept()
    held = held[-1000:] + [conn]
'

# An LD_PRELOAD shim for servers that listen on every interface (gnutls-serv): a passive
# getaddrinfo (NULL host, AI_PASSIVE) answers $FLEET_BIND_ADDRESS, IPv4 only, so the
# server binds that loopback address and nothing else.
BIND_ADDRESS_C='
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <stdlib.h>
typedef int (*getaddrinfo_fn)(const char*, const char*, const struct addrinfo*,
                              struct addrinfo**);
int getaddrinfo(const char* node, const char* service, const struct addrinfo* hints,
                struct addrinfo** res) {
  getaddrinfo_fn real = (getaddrinfo_fn)dlsym(RTLD_NEXT, "getaddrinfo");
  const char* address = getenv("FLEET_BIND_ADDRESS");
  if (node == NULL && hints != NULL && (hints->ai_flags & AI_PASSIVE) && address && *address) {
    struct addrinfo only_v4 = *hints;
    only_v4.ai_family = AF_INET;
    return real(address, service, &only_v4, res);
  }
  return real(node, service, hints, res);
}
'

build_bind_address_shim() {
  printf '%s' "$BIND_ADDRESS_C" >"$DIR/bind_address.c"
  cc -shared -fPIC -O2 -o "$DIR/bind_address.so" "$DIR/bind_address.c" -ldl \
    2>"$DIR/logs/bind_address.log" ||
    die "cannot build the bind-address shim: $(cat "$DIR/logs/bind_address.log")"
}

start_servers() {
  nginx -t -q -p "$DIR" -c "$DIR/nginx.conf" -e "$DIR/logs/nginx-error.log" 2>"$DIR/logs/nginx-test.log" ||
    die "nginx rejects $DIR/nginx.conf: $(cat "$DIR/logs/nginx-test.log")"
  spawn nginx nginx -p "$DIR" -c "$DIR/nginx.conf" -e "$DIR/logs/nginx-error.log"

  haproxy -c -q -f "$DIR/haproxy.cfg" >"$DIR/logs/haproxy-check.log" 2>&1 ||
    die "haproxy rejects $DIR/haproxy.cfg: $(cat "$DIR/logs/haproxy-check.log")"
  spawn haproxy haproxy -db -f "$DIR/haproxy.cfg"

  # SECLEVEL=0 so that OpenSSL agrees to serve a 1024-bit key at all.
  spawn weakkey openssl s_server -quiet -www -accept "$NET.25:$PORT" \
    -cert "$PKI/weakkey.pem" -key "$PKI/weakkey.key" -cert_chain "$PKI/intermediate.pem" \
    -cipher 'DEFAULT:@SECLEVEL=0'
  # SECLEVEL=0 so that OpenSSL agrees to serve a 1024-bit DH prime.
  spawn weakdh openssl s_server -quiet -www -accept "$NET.46:$PORT" -tls1_2 \
    -cert "$PKI/weakdh.pem" -key "$PKI/weakdh.key" -cert_chain "$PKI/intermediate.pem" \
    -cipher 'DHE:@SECLEVEL=0' -dhparam "$PKI/weakdh.dh.pem"

  spawn silent python3 -c "$SILENT_PY" "$NET.29" "$PORT" "$DIR"

  # gnutls-serv has no listen-address option; the shim makes it bind the scenario's
  # address instead of every interface.
  spawn weakcipher env FLEET_BIND_ADDRESS="$NET.36" LD_PRELOAD="$DIR/bind_address.so" \
    gnutls-serv --http --quiet --disable-client-cert --port "$PORT" \
    --x509certfile "$PKI/weakcipher.served.pem" --x509keyfile "$PKI/weakcipher.key" \
    --priority "$WEAKCIPHER_PRIORITY"
  spawn dheonly env FLEET_BIND_ADDRESS="$NET.45" LD_PRELOAD="$DIR/bind_address.so" \
    gnutls-serv --http --quiet --disable-client-cert --port "$PORT" \
    --x509certfile "$PKI/dheonly.served.pem" --x509keyfile "$PKI/dheonly.key" \
    --priority "$DHEONLY_PRIORITY"

  spawn dnsmasq dnsmasq --keep-in-foreground --no-resolv --no-hosts --conf-file=/dev/null \
    --bind-interfaces --listen-address="$DNS_IP" --port="$DNS_PORT" --local=/test/ \
    --addn-hosts="$DIR/hosts" --pid-file= --user="$(id -un)" --log-queries \
    --log-facility="$DIR/logs/dnsmasq.log"
}

# Every TCP listener accepts (dnsmasq answers on TCP too), every server is still running.
wait_ready() {
  local deadline=$((SECONDS + READY_SECONDS)) pending entry line name octet server rest
  local endpoints=("$DNS_IP:$DNS_PORT")
  for line in "${SCENARIOS[@]}"; do
    read -r name octet server rest <<<"$line"
    [ "$server" != none ] && endpoints+=("$NET.$octet:$PORT")
  done
  while :; do
    pending=()
    for entry in "${PIDS[@]}"; do
      alive "${entry#*=}" || die "${entry%%=*} exited at start; see $DIR/logs/${entry%%=*}.out: $(tail -n 5 "$DIR/logs/${entry%%=*}.out")"
    done
    for entry in "${endpoints[@]}"; do
      accepts "${entry%:*}" "${entry##*:}" || pending+=("$entry")
    done
    [ ${#pending[@]} -eq 0 ] && break
    [ $SECONDS -lt $deadline ] ||
      die "not listening after ${READY_SECONDS}s: ${pending[*]} (logs in $DIR/logs)"
    sleep 0.2
  done
  accepts "$NET.28" "$PORT" && die "something listens on the closed scenario $NET.28:$PORT"
  return 0
}

write_env() {
  local env=$DIR/fleet.env line name octet server names entry upper
  {
    echo "# Written by fleet.sh start; source it or read KEY=VALUE lines."
    echo "FLEET_DIR=$DIR"
    echo "FLEET_NET=$NET"
    echo "FLEET_PORT=$PORT"
    echo "FLEET_CIDR=$NET.16/28"
    echo "FLEET_DEEP_CIDR=$NET.32/28"
    echo "FLEET_RESOLVER=$DNS_IP:$DNS_PORT"
    echo "FLEET_CA=$DIR/root.pem"
    echo "FLEET_INTERMEDIATE_SHA256=$(fingerprint "$PKI/intermediate.pem")"
    echo "FLEET_ROOT_SHA256=$(fingerprint "$PKI/root.pem")"
    echo "FLEET_MULTI_HOST=multi.test"
    echo "FLEET_NX_HOST=nx.test"
    echo "FLEET_OWNER_PID=${FLEET_OWNER_PID:-}"
    echo "FLEET_REGISTRY=$(registry)"
    for line in "${SCENARIOS[@]}"; do
      read -r name octet server names <<<"$line"
      upper=${name^^}
      echo "FLEET_${upper}_IP=$NET.$octet"
      echo "FLEET_${upper}_HOST=$name.test"
      if [ -f "$PKI/$name.pem" ]; then
        echo "FLEET_${upper}_CERT_NAME=${names%%,*}"
        echo "FLEET_${upper}_SHA256=$(fingerprint "$PKI/$name.pem")"
        echo "FLEET_${upper}_SERIAL=$(serial "$PKI/$name.pem")"
      fi
    done
    # What crtlist serves to a hello without SNI.
    echo "FLEET_CRTLIST_DEFAULT_CERT_NAME=fallback.test"
    echo "FLEET_CRTLIST_DEFAULT_SHA256=$(fingerprint "$PKI/crtlist-default.pem")"
    echo "FLEET_OCSP_URL=$OCSP_URL"
    for entry in "${PIDS[@]}"; do
      upper=${entry%%=*}
      echo "FLEET_PID_${upper^^}=${entry#*=}"
    done
  } >"$env.tmp"
  mv "$env.tmp" "$env"
}

# ---------------------------------------------------------------- commands

# One fleet per address block: this file names the directory of the one running.
registry() { echo "${TMPDIR:-/tmp}/tlsfleet-fleet-$NET-$PORT.dir"; }

fleet_pids() {
  sed -n 's/^FLEET_PID_[A-Z0-9]*=//p' "$1/fleet.env" 2>/dev/null
}

stop_fleet() {
  local dir=$1 pid deadline remaining
  [ -f "$dir/fleet.env" ] || { log "no fleet.env in $dir: nothing to stop"; return 0; }
  for pid in $(fleet_pids "$dir"); do
    if ours "$pid" "$dir"; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  deadline=$((SECONDS + STOP_SECONDS))
  while :; do
    remaining=()
    for pid in $(fleet_pids "$dir"); do ours "$pid" "$dir" && remaining+=("$pid"); done
    [ ${#remaining[@]} -eq 0 ] && break
    if [ $SECONDS -ge $deadline ]; then
      log "still running after ${STOP_SECONDS}s, killing: ${remaining[*]}"
      kill -KILL "${remaining[@]}" 2>/dev/null || true
      sleep 0.2
      break
    fi
    sleep 0.1
  done
  sed -i 's/^FLEET_PID_/STOPPED_PID_/' "$dir/fleet.env"
  # The fleet may have been started with another FLEET_NET or FLEET_PORT than ours.
  local reg
  reg=$(sed -n 's/^FLEET_REGISTRY=//p' "$dir/fleet.env")
  if [ -n "$reg" ] && [ "$(cat "$reg" 2>/dev/null)" = "$dir" ]; then rm -f "$reg"; fi
}

# A fleet left behind by a test run that was killed (its owner is gone) is stopped; any
# other running fleet on the same addresses is an error the user has to resolve.
check_no_other_fleet() {
  local other owner pid running=0
  other=$(cat "$(registry)" 2>/dev/null) || return 0
  [ "$other" != "$DIR" ] || die "a fleet already runs in $DIR"
  for pid in $(fleet_pids "$other"); do ours "$pid" "$other" && running=1; done
  if [ $running = 1 ]; then
    owner=$(sed -n 's/^FLEET_OWNER_PID=//p' "$other/fleet.env")
    if [ -n "$owner" ] && ! alive "$owner"; then
      log "stopping the fleet left in $other by a run that is gone (pid $owner)"
      stop_fleet "$other"
    else
      die "a fleet already runs on $NET.0/24 port $PORT from $other; stop it with: $0 stop $other"
    fi
  fi
  rm -f "$(registry)"
}

check_addresses_free() {
  local line name octet rest
  for line in "${SCENARIOS[@]}"; do
    read -r name octet rest <<<"$line"
    accepts "$NET.$octet" "$PORT" && die "$NET.$octet:$PORT is already in use by another program"
  done
  accepts "$DNS_IP" "$DNS_PORT" && die "$DNS_IP:$DNS_PORT is already in use by another program"
  return 0
}

# Kills what a failed start had started: those are still our children, so wait works.
abort_start() {
  [ "$1" -eq 0 ] && return 0
  local entry
  for entry in "${PIDS[@]}"; do kill -TERM "${entry#*=}" 2>/dev/null || true; done
  for entry in "${PIDS[@]}"; do wait "${entry#*=}" 2>/dev/null || true; done
  if [ "$(cat "$(registry)" 2>/dev/null)" = "$DIR" ]; then rm -f "$(registry)"; fi
}

start_fleet() {
  local tool
  for tool in openssl nginx haproxy dnsmasq gnutls-serv cc python3 setsid timeout; do
    command -v "$tool" >/dev/null || die "$tool is not installed (run scripts/setup.sh)"
  done
  [[ $NET =~ ^127\.[0-9]+\.[0-9]+$ ]] || die "FLEET_NET must be 127.X.Y (loopback only), not $NET"
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  check_no_other_fleet
  check_addresses_free
  mkdir -p "$DIR/logs"
  PKI=$DIR/pki
  PIDS=()
  # Whatever fails from here on, leave nothing running.
  trap 'abort_start $?' EXIT
  make_pki
  write_nginx_conf
  write_haproxy_cfg
  write_hosts
  build_bind_address_shim
  start_servers
  echo "$DIR" >"$(registry)"
  write_env
  wait_ready
  trap - EXIT
  log "fleet up in $DIR: $NET.16/28 port $PORT, DNS $DNS_IP:$DNS_PORT, CA $DIR/root.pem"
}

[ $# -eq 2 ] || usage
DIR=$2
case $1 in
  start) start_fleet ;;
  stop) stop_fleet "$(cd "$DIR" 2>/dev/null && pwd || echo "$DIR")" ;;
  *) usage ;;
esac
