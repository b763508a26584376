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
#   .53 port 5353        dnsmasq: every name above under .test, multi.test -> .17 and .18,
#                        any other *.test -> NXDOMAIN
# .16, .30 and .31 stay empty (refused), so the /28 .16-.31 is the whole fleet.
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
)

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
# start date, end date.
issue_leaf() {
  local name=$1 names=$2 ip=$3 kind=$4 start=$5 end=$6 cn=${2%%,*}
  case $kind in
    ec) ec_key "$PKI/$name.key" ;;
    rsa*) rsa_key "$PKI/$name.key" "${kind#rsa}" ;;
  esac
  openssl req -new -config "$PKI/openssl.cnf" -key "$PKI/$name.key" \
    -subj "/O=tlsfleet fleet/CN=$cn" -out "$PKI/$name.csr"
  SAN=$(san_for "$names" "$ip") openssl ca -batch -config "$PKI/openssl.cnf" \
    -extensions v3_leaf -startdate "$start" -enddate "$end" -notext \
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

  local now_start now_end
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

  ec_key "$PKI/selfsigned.key"
  SAN=DNS:selfsigned.test openssl req -x509 -new -config "$PKI/openssl.cnf" \
    -extensions v3_self_signed -days 365 -key "$PKI/selfsigned.key" \
    -subj "/O=tlsfleet fleet/CN=selfsigned.test" -out "$PKI/selfsigned.pem"

  # What each server sends: the leaf first, then what the scenario calls for.
  local n
  for n in valid valid2 expired notyet wrongname weakkey haproxy; do
    cat "$PKI/$n.pem" "$PKI/intermediate.pem" >"$PKI/$n.served.pem"
  done
  cp "$PKI/selfsigned.pem" "$PKI/selfsigned.served.pem"
  cp "$PKI/noint.pem" "$PKI/noint.served.pem"
  cat "$PKI/misordered.pem" "$PKI/root.pem" "$PKI/intermediate.pem" >"$PKI/misordered.served.pem"
  # HAProxy takes one file: certificate, chain and key; a .ocsp file beside it is stapled.
  cat "$PKI/haproxy.served.pem" "$PKI/haproxy.key" >"$PKI/haproxy.bundle.pem"

  # Stapled OCSP responses ("good") for the servers that should have no finding at all.
  for n in valid valid2 haproxy; do
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
  cat >"$DIR/haproxy.cfg" <<EOF
global
  maxconn 256
  ssl-default-bind-options ssl-min-ver TLSv1.2
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend haproxy_test
  bind $NET.26:$PORT ssl crt $PKI/haproxy.bundle.pem alpn h2,http/1.1
  http-request return status 200 content-type text/plain string "haproxy.test"
EOF
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

  spawn silent python3 -c "$SILENT_PY" "$NET.29" "$PORT" "$DIR"

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
  for tool in openssl nginx haproxy dnsmasq python3 setsid timeout; do
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
