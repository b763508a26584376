#!/usr/bin/env bash
# The benchmark behind docs/PERFORMANCE.md, in one run on this machine (as root):
#
#   sudo bash scripts/bench.sh            # prints a markdown table at the end
#
# Everything happens on loopback inside a private network namespace (unshare -n), so the
# servers it starts listen on every address of a loopback nobody else can reach. It
#  - builds tlsfleet, bench/baseline_client and the micro-benchmarks (BUILD_DIR, Release),
#    and runs the micro-benchmarks briefly;
#  - makes a test CA with an ECDSA P-256 and an RSA-2048 chain, starts nginx with one on
#    port 443 and the other on 4443 of 0.0.0.0, and sweeps SWEEP distinct 127.1.x.y
#    addresses with tlsfleet --depth basic (one and two threads) and with the bare-OpenSSL
#    baseline client (one process, and two processes: the box's two-client baseline),
#    REPEAT times interleaved, keeping the median: endpoints/s, CPU per endpoint (user+sys
#    of the child), peak RSS, nginx's CPU per handshake and the ratios;
#  - --depth standard and full on DEPTH_SWEEP addresses when the build has them
#    (otherwise says so), with the defaults and matched to the one-process baseline
#    (--threads 1 -c CLIENT_IN_FLIGHT), REPEAT interleaved rounds each, and nmap's
#    ssl-enum-ciphers on NMAP_HOSTS of the same targets when nmap is installed;
#  - INFLIGHT connections at once against a listener that accepts and stays silent:
#    peak RSS per connection and how close each endpoint closed to its 3 s deadline;
#  - DNS: DNS_NAMES names on nsd, tlsfleet's lookups/s against dnsperf's queries/s on the
#    same server: names on a closed port (a lookup and a refused connect each), and names
#    the zone does not hold (a lookup and an NXDOMAIN record each), the latter also with
#    --dns-queries 500 (1,000 in flight on two threads, as dnsperf has), each NXDOMAIN run
#    interleaved with dnsperf REPEAT times, medians kept; beside them the bare c-ares loop
#    bench/dns_baseline over the same two lists, which shows what c-ares alone costs.
# nsd, dnsperf and nmap are installed when missing (NO_INSTALL=1 skips that; the rows that
# need them are then skipped). Every step is bounded in count and time; every process the
# script starts is stopped when it exits. Knobs (environment): SWEEP=8192 REPEAT=3
# DEPTH_SWEEP=1024 INFLIGHT=10000 DNS_NAMES=100000 DNS_IN_FLIGHT=2000 NMAP_HOSTS=128
# CLIENT_IN_FLIGHT=64 BENCH_COMMIT=TEXT (what to call the build in the table),
# JOBS=2 (parallel compiles), BENCH_KEEP=1 (keep the work directory), BENCH_RESULTS=FILE
# (also write the table there).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

BUILD_DIR=${BUILD_DIR:-build-bench}
SWEEP=${SWEEP:-8192}
REPEAT=${REPEAT:-3}
INFLIGHT=${INFLIGHT:-10000}
DNS_NAMES=${DNS_NAMES:-100000}
NMAP_HOSTS=${NMAP_HOSTS:-128}
CLIENT_IN_FLIGHT=${CLIENT_IN_FLIGHT:-64}
DNS_IN_FLIGHT=${DNS_IN_FLIGHT:-2000}
DEPTH_SWEEP=${DEPTH_SWEEP:-1024}
DEADLINE_S=3
export BUILD_DIR SWEEP REPEAT INFLIGHT DNS_NAMES NMAP_HOSTS CLIENT_IN_FLIGHT DNS_IN_FLIGHT DEPTH_SWEEP

die() {
  echo "bench: $*" >&2
  exit 1
}
log() { echo "bench: $*" >&2; }
[ "$SWEEP" -ge 1 ] && [ "$SWEEP" -lt 65536 ] || die "SWEEP must be 1..65535"
[ "$NMAP_HOSTS" -ge 1 ] && [ "$NMAP_HOSTS" -le 254 ] || die "NMAP_HOSTS must be 1..254"
[ "$DEPTH_SWEEP" -ge 1 ] && [ "$DEPTH_SWEEP" -lt 65536 ] || die "DEPTH_SWEEP must be 1..65535"

# ------------------------------------------------------------------ outside the namespace

install_tools() {
  [ "${NO_INSTALL:-0}" = 1 ] && return 0
  local missing=() p
  for p in nsd dnsperf nmap; do command -v "$p" >/dev/null || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || {
    log "no apt-get: ${missing[*]} stay missing, their rows are skipped"
    return 0
  }
  log "installing ${missing[*]} (without starting their services)"
  # policy-rc.d exiting 101 keeps nsd's package from starting the system nsd.
  local policy=/usr/sbin/policy-rc.d own=0
  if [ ! -e $policy ]; then
    printf '#!/bin/sh\nexit 101\n' >$policy
    chmod 755 $policy
    own=1
  fi
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q --no-install-recommends \
    "${missing[@]}" >&2 || log "apt-get install failed: the rows needing ${missing[*]} are skipped"
  [ $own = 1 ] && rm -f $policy
  return 0
}

build() {
  log "building into $BUILD_DIR"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTLSFLEET_TESTS=OFF >&2
  local targets=(tlsfleet baseline_client dns_baseline) f
  for f in bench/*_bench.cpp; do targets+=("$(basename "$f" .cpp)"); done
  cmake --build "$BUILD_DIR" --parallel "${JOBS:-2}" --target "${targets[@]}" >&2
}

if [ -z "${TLSFLEET_BENCH_INNER:-}" ]; then
  [ "$(id -u)" = 0 ] || die "run as root (sudo bash scripts/bench.sh): it needs unshare -n"
  for tool in cmake ninja nginx openssl python3 unshare ip timeout ss; do
    command -v "$tool" >/dev/null || die "$tool is not installed (run scripts/setup.sh)"
  done
  [ -x /usr/bin/time ] || die "/usr/bin/time is not installed (apt-get install time)"
  install_tools
  build
  exec unshare -n env TLSFLEET_BENCH_INNER=1 bash "$0" "$@"
fi

# ------------------------------------------------------------------ inside the namespace

BIN=$ROOT/$BUILD_DIR/tlsfleet
BASELINE=$ROOT/$BUILD_DIR/bench/baseline_client
DNS_BASELINE=$ROOT/$BUILD_DIR/bench/dns_baseline
[ -x "$BIN" ] && [ -x "$BASELINE" ] || die "build first: $BIN or $BASELINE missing"

W=$(mktemp -d "${TMPDIR:-/tmp}/tlsfleet-bench.XXXXXX")
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ "${BENCH_KEEP:-0}" = 1 ]; then log "work directory kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip link set lo up
# Per-namespace settings: a backlog for 10,000 connections; ephemeral ports above the ones
# the servers here listen on (53, 443, 4443, 9000), or a client socket could take one first.
sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 \
  net.ipv4.ip_local_port_range="10240 65535" || true
ulimit -n "$(ulimit -Hn)"

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
DATE=$(date -u +%Y-%m-%dT%H:%MZ)
ROWS=()   # markdown rows of the main table
NOTES=()  # lines printed under it

row() { ROWS+=("| $(IFS='|'; echo "$*" | sed 's/|/ | /g') |"); }
note() { NOTES+=("$*"); }

# json_field FILE KEY: a top-level number or string of a one-line JSON object.
json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
calc() { python3 -c "print(f'{($1):$2}')"; }

# timed FILE CMD...: runs CMD under /usr/bin/time; FILE gets "wall user sys maxrss_kib".
timed() {
  local out=$1
  shift
  /usr/bin/time -f '%e %U %S %M' -o "$out" "$@"
}

# The CPU seconds nginx's processes used so far (master and workers), from /proc.
nginx_cpu() {
  local total=0 pid ticks
  for pid in $NGINX_PID $(ps -o pid= --ppid "$NGINX_PID"); do
    ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ticks))
  done
  calc "$total / $(getconf CLK_TCK)" .3f
}

# ------------------------------------------------------------------ PKI and nginx

make_pki() {
  local d=$W/pki kind
  mkdir -p "$d"
  for kind in ecdsa rsa; do
    local alg=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
    [ $kind = rsa ] && alg=(-newkey rsa:2048)
    openssl req -x509 "${alg[@]}" -nodes -keyout "$d/$kind-root.key" -out "$d/$kind-root.pem" \
      -days 3650 -subj "/O=tlsfleet bench/CN=Bench $kind Root" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
      2>/dev/null
    openssl req "${alg[@]}" -nodes -keyout "$d/$kind-int.key" -out "$d/$kind-int.csr" \
      -subj "/O=tlsfleet bench/CN=Bench $kind Intermediate" 2>/dev/null
    printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' \
      >"$d/int.ext"
    openssl x509 -req -in "$d/$kind-int.csr" -CA "$d/$kind-root.pem" -CAkey "$d/$kind-root.key" \
      -set_serial 2 -days 1825 -extfile "$d/int.ext" -out "$d/$kind-int.pem" 2>/dev/null
    openssl req "${alg[@]}" -nodes -keyout "$d/$kind-leaf.key" -out "$d/$kind-leaf.csr" \
      -subj "/CN=bench.test" 2>/dev/null
    printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:bench.test\n' \
      >"$d/leaf.ext"
    openssl x509 -req -in "$d/$kind-leaf.csr" -CA "$d/$kind-int.pem" -CAkey "$d/$kind-int.key" \
      -set_serial 4096 -days 365 -extfile "$d/leaf.ext" -out "$d/$kind-leaf.pem" 2>/dev/null
    cat "$d/$kind-leaf.pem" "$d/$kind-int.pem" >"$d/$kind-served.pem"
  done
  cat "$d/ecdsa-root.pem" "$d/rsa-root.pem" >"$d/ca.pem"
  CA=$d/ca.pem
}

start_nginx() {
  local d=$W/nginx
  mkdir -p "$d/logs" "$d/tmp"
  cat >"$d/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes auto;
user root;
pid $d/nginx.pid;
error_log $d/logs/error.log error;
worker_rlimit_nofile 8192;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $d/tmp/body;
  proxy_temp_path $d/tmp/proxy;
  fastcgi_temp_path $d/tmp/fastcgi;
  uwsgi_temp_path $d/tmp/uwsgi;
  scgi_temp_path $d/tmp/scgi;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_cache off;
  ssl_session_tickets off;
  server {
    listen 443 ssl backlog=4096;
    server_name bench.test;
    ssl_certificate $W/pki/ecdsa-served.pem;
    ssl_certificate_key $W/pki/ecdsa-leaf.key;
    return 200 "bench\n";
  }
  server {
    listen 4443 ssl backlog=4096;
    server_name bench.test;
    ssl_certificate $W/pki/rsa-served.pem;
    ssl_certificate_key $W/pki/rsa-leaf.key;
    return 200 "bench\n";
  }
}
EOF
  nginx -t -q -p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log" 2>"$d/logs/test.log" ||
    die "nginx rejects its configuration: $(cat "$d/logs/test.log")"
  nginx -p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log" &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
  for _ in $(seq 100); do
    if timeout 1 openssl s_client -connect 127.1.0.1:443 -servername bench.test \
      -verify_return_error -CAfile "$CA" </dev/null >/dev/null 2>&1 &&
      timeout 1 openssl s_client -connect 127.1.0.1:4443 -servername bench.test \
        -verify_return_error -CAfile "$CA" </dev/null >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  die "nginx did not answer on 443 and 4443"
}

# ip_at N: the N-th address after 127.1.0.0 (1 <= N < 65536), as dotted quad.
ip_at() { echo "127.1.$(($1 >> 8 & 255)).$(($1 & 255))"; }

# ------------------------------------------------------------------ micro-benchmarks

MICRO=()
run_micro() {
  local b name
  for b in "$ROOT/$BUILD_DIR"/bench/*_bench; do
    [ -x "$b" ] || continue
    name=$(basename "$b")
    log "micro-benchmark $name"
    timeout 300 "$b" --benchmark_min_time=0.2 --benchmark_format=json \
      --benchmark_out="$W/$name.json" --benchmark_out_format=json >/dev/null 2>"$W/$name.err" ||
      log "$name failed: $(tail -1 "$W/$name.err")"
  done
  mapfile -t MICRO < <(python3 - "$W" <<'EOF'
import glob, json, sys
for path in sorted(glob.glob(sys.argv[1] + "/*_bench.json")):
    for b in json.load(open(path))["benchmarks"]:
        unit = b.get("time_unit", "ns")
        scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[unit]
        wall = b["name"].endswith("manual_time") or b["name"].endswith("real_time")
        t = (b["real_time"] if wall else b["cpu_time"]) * scale
        extra = b.get("label", "")[:60]
        print(f"| {b['name']} | {t:,.3f} | {extra} |")
EOF
  )
}

# ------------------------------------------------------------------ basic depth sweep

# One sweep of SWEEP addresses on PORT by each contender, results in $W/runs/<what>.<n>.
sweep_once() {
  local kind=$1 port=$2 n=$3 r=$W/runs
  mkdir -p "$r"
  local last
  last=$(ip_at "$SWEEP")
  local list=$W/targets-$port.txt
  [ -f "$list" ] ||
    awk -v n="$SWEEP" -v p="$port" 'BEGIN {for (i = 1; i <= n; i++) printf "127.1.%d.%d:%d\n", int(i / 256) % 256, i % 256, p}' >"$list"

  # One baseline process.
  local c0 c1
  c0=$(nginx_cpu)
  timeout 300 "$BASELINE" -t "$list" -n bench.test -a "$CA" -c "$CLIENT_IN_FLIGHT" -m 240 \
    >"$r/base1-$kind.$n.json" || log "baseline (1 process) reported failures"
  c1=$(nginx_cpu)
  echo "$c0 $c1" >"$r/base1-$kind.$n.nginx"

  # Two baseline processes, each half of the targets: the box's two-client baseline.
  c0=$(nginx_cpu)
  local t0 t1
  t0=$(date +%s.%N)
  timeout 300 "$BASELINE" -t "$list" -n bench.test -a "$CA" -c "$CLIENT_IN_FLIGHT" -m 240 -s 0/2 \
    >"$r/base2a-$kind.$n.json" &
  local p1=$!
  timeout 300 "$BASELINE" -t "$list" -n bench.test -a "$CA" -c "$CLIENT_IN_FLIGHT" -m 240 -s 1/2 \
    >"$r/base2b-$kind.$n.json" &
  local p2=$!
  wait $p1 || log "baseline (2 processes, first) reported failures"
  wait $p2 || log "baseline (2 processes, second) reported failures"
  t1=$(date +%s.%N)
  c1=$(nginx_cpu)
  echo "$c0 $c1" >"$r/base2-$kind.$n.nginx"
  calc "$t1 - $t0" .3f >"$r/base2-$kind.$n.wall"

  # tlsfleet, one worker thread and the default (one per core).
  local threads
  for threads in 1 2; do
    c0=$(nginx_cpu)
    timed "$r/tf$threads-$kind.$n.time" timeout 300 "$BIN" scan "127.1.0.1-$last" -p "$port" \
      --depth basic --sni bench.test --ca-file "$CA" --threads "$threads" -c $((CLIENT_IN_FLIGHT * threads)) \
      --timeout 5 --no-progress -q -o "$r/tf$threads-$kind.$n.ndjson" ||
      log "tlsfleet --threads $threads exited non-zero"
    c1=$(nginx_cpu)
    echo "$c0 $c1" >"$r/tf$threads-$kind.$n.nginx"
  done
}

# Summarises the REPEAT runs of one certificate kind into rows.
sweep_rows() {
  local kind=$1 label=$2 r=$W/runs n
  local b1_eps=() b1_cpu=() b1_rss=() b1_ng=() b2_eps=() b2_cpu=() b2_rss=() b2_ng=()
  local t1_eps=() t1_cpu=() t1_rss=() t1_ng=() t2_eps=() t2_cpu=() t2_rss=() t2_ng=()
  local bad=""
  for n in $(seq 1 "$REPEAT"); do
    local j=$r/base1-$kind.$n.json hs
    hs=$(json_field "$j" handshakes)
    [ "$hs" = "$SWEEP" ] || bad+=" baseline(1) made $hs/$SWEEP verified handshakes;"
    b1_eps+=("$(json_field "$j" handshakes_per_s)")
    b1_cpu+=("$(json_field "$j" cpu_ms_per_handshake)")
    b1_rss+=("$(json_field "$j" max_rss_kib)")
    b1_ng+=("$(read -r a b <"$r/base1-$kind.$n.nginx"; calc "($b - $a) * 1000 / $hs" .3f)")

    local ja=$r/base2a-$kind.$n.json jb=$r/base2b-$kind.$n.json wall hs2 cpu2
    wall=$(cat "$r/base2-$kind.$n.wall")
    hs2=$(($(json_field "$ja" handshakes) + $(json_field "$jb" handshakes)))
    [ "$hs2" = "$SWEEP" ] || bad+=" baseline(2) made $hs2/$SWEEP verified handshakes;"
    cpu2=$(calc "($(json_field "$ja" cpu_user_s) + $(json_field "$ja" cpu_sys_s) + $(json_field "$jb" cpu_user_s) + $(json_field "$jb" cpu_sys_s)) * 1000 / $hs2" .4f)
    b2_eps+=("$(calc "$hs2 / $wall" .1f)")
    b2_cpu+=("$cpu2")
    b2_rss+=("$(json_field "$ja" max_rss_kib)")
    b2_ng+=("$(read -r a b <"$r/base2-$kind.$n.nginx"; calc "($b - $a) * 1000 / $hs2" .3f)")

    local threads
    for threads in 1 2; do
      local base=$r/tf$threads-$kind.$n ok wall user sys rss
      ok=$(grep -c '"status":"ok"' "$base.ndjson" || true)
      local trusted
      trusted=$(grep -c '"trusted":true,.*"hostname_match":true' "$base.ndjson" || true)
      [ "$ok" = "$SWEEP" ] && [ "$trusted" = "$SWEEP" ] ||
        bad+=" tlsfleet --threads $threads: $ok ok, $trusted trusted+name match of $SWEEP;"
      read -r wall user sys rss <"$base.time"
      local eps cpu ng
      eps=$(calc "$ok / $wall" .1f)
      cpu=$(calc "($user + $sys) * 1000 / max($ok, 1)" .4f)
      ng=$(read -r a b <"$base.nginx"; calc "($b - $a) * 1000 / max($ok, 1)" .3f)
      if [ "$threads" = 1 ]; then
        t1_eps+=("$eps"); t1_cpu+=("$cpu"); t1_rss+=("$rss"); t1_ng+=("$ng")
      else
        t2_eps+=("$eps"); t2_cpu+=("$cpu"); t2_rss+=("$rss"); t2_ng+=("$ng")
      fi
    done
  done
  m() { printf '%s\n' "$@" | median; }
  local B1E B1C B2E B2C T1E T1C T2E T2C
  B1E=$(m "${b1_eps[@]}"); B1C=$(m "${b1_cpu[@]}")
  B2E=$(m "${b2_eps[@]}"); B2C=$(m "${b2_cpu[@]}")
  T1E=$(m "${t1_eps[@]}"); T1C=$(m "${t1_cpu[@]}")
  T2E=$(m "${t2_eps[@]}"); T2C=$(m "${t2_cpu[@]}")
  row "basic, $label" "baseline, 1 process" "$(calc "$B1E" ,.0f)" "$(calc "$B1C" .3f)" \
    "$(calc "$(m "${b1_rss[@]}") / 1024" .1f) MiB" "$(m "${b1_ng[@]}")" "1.00" "—"
  row "basic, $label" "baseline, 2 processes" "$(calc "$B2E" ,.0f)" "$(calc "$B2C" .3f)" \
    "$(calc "$(m "${b2_rss[@]}") / 1024" .1f) MiB each" "$(m "${b2_ng[@]}")" \
    "$(calc "$B2C / $B1C" .2f)" "1.00"
  row "basic, $label" "tlsfleet --threads 1" "$(calc "$T1E" ,.0f)" "$(calc "$T1C" .3f)" \
    "$(calc "$(m "${t1_rss[@]}") / 1024" .1f) MiB" "$(m "${t1_ng[@]}")" \
    "$(calc "$T1C / $B1C" .2f)" "$(calc "$T1E / $B2E" .2f)"
  row "basic, $label" "tlsfleet (2 threads)" "$(calc "$T2E" ,.0f)" "$(calc "$T2C" .3f)" \
    "$(calc "$(m "${t2_rss[@]}") / 1024" .1f) MiB" "$(m "${t2_ng[@]}")" \
    "**$(calc "$T2C / $B1C" .2f)**" "**$(calc "$T2E / $B2E" .2f)**"
  eval "BASE1_CPU_$kind=$B1C"
  [ -z "$bad" ] || note "$label: not every handshake succeeded:$bad"
}

# ------------------------------------------------------------------ deeper depths, nmap

depth_rows() {
  local depth
  for depth in standard full; do
    if "$BIN" scan --depth "$depth" --no-progress -q --timeout 0.5 -p 9 127.0.0.1 -o /dev/null \
      >/dev/null 2>"$W/depth-$depth.err"; then
      local hosts=$DEPTH_SWEEP last variant n
      last=$(ip_at "$hosts")
      # Two ways: the defaults (one thread per core, default concurrency), and matched to
      # the one-process baseline (one thread, CLIENT_IN_FLIGHT connections). REPEAT rounds
      # each, interleaved; the median is kept.
      for n in $(seq 1 "$REPEAT"); do
        for variant in default matched; do
          local extra=()
          [ "$variant" = matched ] && extra=(--threads 1 -c "$CLIENT_IN_FLIGHT")
          timed "$W/runs/depth-$depth-$variant.$n.time" timeout 600 "$BIN" scan \
            "127.1.0.1-$last" -p 443 --depth "$depth" --sni bench.test --ca-file "$CA" \
            --timeout 5 --no-progress -q "${extra[@]}" -o "$W/runs/depth-$depth-$variant.$n.ndjson" || true
        done
      done
      for variant in default matched; do
        local ok wall user sys rss eps=() cpu=() rsss=() label
        for n in $(seq 1 "$REPEAT"); do
          ok=$(grep -c '"status":"ok"' "$W/runs/depth-$depth-$variant.$n.ndjson" || true)
          read -r wall user sys rss <"$W/runs/depth-$depth-$variant.$n.time"
          eps+=("$(calc "$ok / $wall" .2f)")
          cpu+=("$(calc "($user + $sys) * 1000 / max($ok, 1)" .4f)")
          rsss+=("$rss")
          [ "$ok" = "$hosts" ] || note "--depth $depth ($variant), round $n: $ok of $hosts endpoints ok."
        done
        local E C R
        E=$(printf '%s\n' "${eps[@]}" | median)
        C=$(printf '%s\n' "${cpu[@]}" | median)
        R=$(printf '%s\n' "${rsss[@]}" | median)
        label="tlsfleet --depth $depth"
        [ "$variant" = matched ] && label="tlsfleet --depth $depth --threads 1 -c $CLIENT_IN_FLIGHT"
        row "$depth, ECDSA P-256, $hosts addresses" "$label" "$(calc "$E" ,.1f)" \
          "$(calc "$C" .3f)" "$(calc "$R / 1024" .1f) MiB" "—" \
          "$(calc "$C / $BASE1_CPU_ecdsa" .2f)" "—"
        if [ "$variant" = default ]; then
          eval "DEPTH_CPU_$depth=$C DEPTH_EPS_$depth=$E"
        fi
      done
    else
      row "$depth, ECDSA P-256" "tlsfleet --depth $depth" "skipped" "—" "—" "—" "—" "—"
      note "--depth $depth: not implemented in this build ($(head -1 "$W/depth-$depth.err" | sed 's/^tlsfleet: //')); its row is skipped, not estimated."
    fi
  done
}

nmap_rows() {
  if ! command -v nmap >/dev/null; then
    row "full, ECDSA P-256" "nmap ssl-enum-ciphers" "skipped" "—" "—" "—" "—" "—"
    note "nmap is not installed: its row is skipped."
    return
  fi
  local last
  last=$(ip_at "$NMAP_HOSTS")
  local c0 c1
  c0=$(nginx_cpu)
  timed "$W/runs/nmap.time" timeout 900 nmap -n -Pn -sT -p 443 --script ssl-enum-ciphers \
    -oN "$W/runs/nmap.txt" "127.1.0.1-$(echo "$last" | cut -d. -f4)" >/dev/null 2>&1 || true
  c1=$(nginx_cpu)
  local hosts wall user sys rss
  hosts=$(grep -c '^| ssl-enum-ciphers:' "$W/runs/nmap.txt" || true)
  read -r wall user sys rss <"$W/runs/nmap.time"
  NMAP_CPU=$(calc "($user + $sys) * 1000 / max($hosts, 1)" .1f)
  NMAP_EPS=$(calc "$hosts / $wall" .1f)
  row "full, ECDSA P-256, $NMAP_HOSTS addresses" "nmap ssl-enum-ciphers" "$NMAP_EPS" "$NMAP_CPU" \
    "$(calc "$rss / 1024" .1f) MiB" "$(calc "($c1 - $c0) * 1000 / max($hosts, 1)" .1f)" "—" "—"
  [ "$hosts" = "$NMAP_HOSTS" ] || note "nmap reported ciphers for $hosts of $NMAP_HOSTS hosts."
  if [ -n "${DEPTH_CPU_full:-}" ]; then
    note "full depth vs nmap: CPU $(calc "$DEPTH_CPU_full / $NMAP_CPU" .2f)x (target <= 0.20), endpoints/s $(calc "$DEPTH_EPS_full / $NMAP_EPS" .2f)x (target >= 3)."
  fi
}

# ------------------------------------------------------------------ 10,000 in flight

SILENT_PY='
import resource, select, socket, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(65535)
s.setblocking(False)
held = []
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    select.select([s], [], [], 0.5)
    while True:
        try:
            conn, _ = s.accept()
        except (BlockingIOError, InterruptedError):
            break
        except OSError:
            time.sleep(0.05)  # out of descriptors: the backlog still holds them
            break
        held.append(conn)
'

inflight_rows() {
  local port=9000 last lp
  python3 -c "$SILENT_PY" $port 120 &
  lp=$!
  PIDS+=("$lp")
  sleep 0.5
  # The process's own size: one endpoint in flight.
  timed "$W/runs/idle.time" timeout 30 "$BIN" scan 127.2.0.1 -p $port --depth basic \
    --timeout 0.5 --retries 0 --no-progress -q -o /dev/null || true
  last=$(python3 -c "import ipaddress; print(ipaddress.ip_address('127.2.0.1') + $INFLIGHT - 1)")
  ( sleep 1.5; ss -Htn state established "( dport = :$port )" | wc -l >"$W/runs/inflight.ss" ) &
  local sampler=$!
  timed "$W/runs/inflight.time" timeout 60 "$BIN" scan "127.2.0.1-$last" -p $port --depth basic \
    -c "$INFLIGHT" --timeout $DEADLINE_S --retries 0 --no-progress -q -o "$W/runs/inflight.ndjson" ||
    true
  wait $sampler || true
  kill "$lp" 2>/dev/null || true
  local wall user sys rss idle_rss
  read -r wall user sys rss <"$W/runs/inflight.time"
  read -r _ _ _ idle_rss <"$W/runs/idle.time"
  local check
  check=$(python3 - "$W/runs/inflight.ndjson" $DEADLINE_S <<'EOF'
import json, statistics, sys
deadline = float(sys.argv[2]) * 1000
totals, status = [], {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    status[r["status"]] = status.get(r["status"], 0) + 1
    totals.append(r["timing_ms"]["total"])
within = sum(1 for t in totals if 0.9 * deadline <= t <= 1.1 * deadline)
print(len(totals), within, f"{min(totals):.0f}", f"{statistics.median(totals):.0f}",
      f"{max(totals):.0f}", ",".join(f"{k} {v}" for k, v in sorted(status.items())))
EOF
  )
  local records within tmin tmed tmax statuses
  read -r records within tmin tmed tmax statuses <<<"$check"
  local per per_net seen
  per=$(calc "$rss / $INFLIGHT" .1f)
  per_net=$(calc "($rss - $idle_rss) / $INFLIGHT" .1f)
  seen=$(cat "$W/runs/inflight.ss" 2>/dev/null || echo "?")
  row "$INFLIGHT in flight, silent server" "tlsfleet -c $INFLIGHT --timeout $DEADLINE_S" \
    "$(calc "$records / $wall" ,.0f)" "$(calc "($user + $sys) * 1000 / max($records, 1)" .3f)" \
    "$(calc "$rss / 1024" .1f) MiB: **$per_net KiB/conn** ($per gross)" "—" "—" "—"
  INFLIGHT_NOTE="$records records ($statuses); $within closed within ±10% of the ${DEADLINE_S} s deadline (timing_ms.total min $tmin, median $tmed, max $tmax ms); $seen connections established 1.5 s in; idle process $(calc "$idle_rss / 1024" .1f) MiB."
  note "in flight: $INFLIGHT_NOTE"
}

# ------------------------------------------------------------------ DNS

dns_rows() {
  if ! command -v nsd >/dev/null || ! command -v dnsperf >/dev/null; then
    row "DNS, $DNS_NAMES names" "tlsfleet vs dnsperf" "skipped" "—" "—" "—" "—" "—"
    note "nsd or dnsperf is not installed: the DNS rows are skipped."
    return
  fi
  local d=$W/nsd
  mkdir -p "$d"
  python3 - "$d" "$DNS_NAMES" <<'EOF'
import sys
d, n = sys.argv[1], int(sys.argv[2])
with open(f"{d}/bench.test.zone", "w") as z, open(f"{d}/names.txt", "w") as names, \
        open(f"{d}/queries.txt", "w") as queries, open(f"{d}/nx-names.txt", "w") as nx:
    z.write("$ORIGIN bench.test.\n$TTL 3600\n"
            "@ IN SOA ns.bench.test. admin.bench.test. 1 3600 600 86400 3600\n"
            "@ IN NS ns.bench.test.\nns IN A 127.0.0.53\n")
    for i in range(n):
        name = f"n{i:06d}"
        z.write(f"{name} IN A 127.3.{i >> 8 & 255}.{i & 255}\n")
        names.write(f"{name}.bench.test\n")
        queries.write(f"{name}.bench.test A\n")
        nx.write(f"x{i:06d}.bench.test\n")
EOF
  cat >"$d/nsd.conf" <<EOF
server:
  ip-address: 127.0.0.53
  port: 53
  do-ip6: no
  server-count: 1
  reuseport: yes
  username: ""
  chroot: ""
  zonesdir: "$d"
  database: ""
  zonelistfile: "$d/zone.list"
  xfrdfile: "$d/xfrd.state"
  xfrdir: "$d"
  pidfile: "$d/nsd.pid"
  logfile: "$d/nsd.log"
  verbosity: 0
  hide-version: yes
  # Response rate limiting (on by default) would cap NXDOMAIN answers to one client at
  # 200/s: right for a server on the Internet, wrong for a benchmark.
  rrl-ratelimit: 0
  receive-buffer-size: 8388608
  send-buffer-size: 8388608
remote-control:
  control-enable: no
zone:
  name: bench.test
  zonefile: bench.test.zone
EOF
  nsd -d -c "$d/nsd.conf" >"$d/nsd.out" 2>&1 &
  local np=$!
  PIDS+=("$np")
  local ready=0
  for _ in $(seq 100); do
    if python3 - <<'EOF' 2>/dev/null; then
import socket
q = bytes.fromhex("abcd01000001000000000000") + b"\x07n000000\x05bench\x04test\x00\x00\x01\x00\x01"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
s.sendto(q, ("127.0.0.53", 53)); data = s.recv(512)
assert data[:2] == b"\xab\xcd" and data[3] & 15 == 0 and data[7] >= 1
EOF
      ready=1
      break
    fi
    sleep 0.2
  done
  [ $ready = 1 ] || die "nsd did not answer: $(tail -3 "$d/nsd.out" "$d/nsd.log" 2>/dev/null)"

  # REPEAT interleaved rounds, medians kept (the box's speed drifts by a quarter within
  # minutes, so one run of each says little). A round: dnsperf, every name once per pass,
  # 1,000 queries in flight, the better of one and two threads; then tlsfleet over the
  # NXDOMAIN names with the default 128 DNS queries per worker and with 500 per worker
  # (on two threads as many in flight as dnsperf's -q 1000 and the bare loop's -c 1000).
  local c=$DNS_IN_FLIGHT round threads qps lost sent _w u s queries
  local -a dp_qps=() dp_cpu=()
  # Per --dns-queries value, the rounds' figures as space-separated lists.
  local -A dns_lps=() dns_cpu=() dns_rss=()
  local wall user sys rss looked med statuses
  for round in $(seq "$REPEAT"); do
    local best=0 best_cpu=0
    for threads in 1 2; do
      timed "$W/runs/dnsperf-$threads-$round.time" timeout 120 dnsperf -s 127.0.0.53 -p 53 \
        -d "$d/queries.txt" -n 2 -c "$threads" -T "$threads" -q 1000 -t 2 -l 60 \
        >"$W/runs/dnsperf-$threads-$round.txt" 2>&1 || true
      qps=$(awk '/Queries per second:/ {print $4}' "$W/runs/dnsperf-$threads-$round.txt")
      lost=$(awk '/Queries lost:/ {print $3}' "$W/runs/dnsperf-$threads-$round.txt")
      sent=$(awk '/Queries completed:/ {print $3}' "$W/runs/dnsperf-$threads-$round.txt")
      read -r _w u s _ <"$W/runs/dnsperf-$threads-$round.time"
      if [ -n "$qps" ] && python3 -c "import sys; sys.exit(0 if $qps > $best else 1)"; then
        best=$qps
        best_cpu=$(calc "($u + $s) * 1000 / max(${sent:-0}, 1)" .4f)
        DNSPERF_NOTE="dnsperf -T $threads -c $threads -q 1000 (round $round): $(calc "$qps" .0f) queries/s, $lost lost"
      fi
    done
    dp_qps+=("$best")
    dp_cpu+=("$best_cpu")
    for queries in 128 500; do
      timed "$W/runs/dns-nx$queries-$round.time" timeout 300 "$BIN" scan -i "$d/nx-names.txt" \
        -p 9 --resolver 127.0.0.53 --depth basic -c "$c" --timeout 2 --retries 0 --no-progress \
        -q --dns-queries "$queries" -o "$W/runs/dns-nx$queries-$round.ndjson" || true
      read -r wall user sys rss <"$W/runs/dns-nx$queries-$round.time"
      read -r looked med statuses <<<"$(dns_stats "$W/runs/dns-nx$queries-$round.ndjson")"
      dns_lps[$queries]+="$(calc "$looked / $wall" .0f) "
      dns_cpu[$queries]+="$(calc "($user + $sys) * 1000 / max($looked, 1)" .4f) "
      dns_rss[$queries]+="$rss "
      note "DNS round $round, tlsfleet --dns-queries $queries: $looked NXDOMAIN lookups timed (median $med ms) in $wall s; records: $statuses."
      rm -f "$W/runs/dns-nx$queries-$round.ndjson"
    done
  done
  m() { printf '%s\n' "$@" | median; }
  local dp
  dp=$(m "${dp_qps[@]}")
  row "DNS, $DNS_NAMES names on nsd" "dnsperf (best of -T 1 and -T 2)" "$(calc "$dp" ,.0f)" \
    "$(m "${dp_cpu[@]}")" "—" "—" "—" "1.00"
  # The bare c-ares loop: c-ares alone, 1,000 lookups in flight, over both lists.
  local list
  for list in names nx-names; do
    if [ -x "$DNS_BASELINE" ] && timeout 120 "$DNS_BASELINE" -f "$d/$list.txt" -s 127.0.0.53 \
      -c 1000 -T 2 -m 100 >"$W/runs/dns-bare-$list.json" 2>"$W/runs/dns-bare-$list.err"; then
      local j=$W/runs/dns-bare-$list.json what="A records"
      [ $list = nx-names ] && what="NXDOMAIN"
      row "DNS, $DNS_NAMES names on nsd" "bare c-ares loop (bench/dns_baseline), $what" \
        "$(calc "$(json_field "$j" lookups_per_s)" ,.0f)" \
        "$(calc "$(json_field "$j" cpu_us_per_lookup) / 1000" .4f)" \
        "$(calc "$(json_field "$j" max_rss_kib) / 1024" .1f) MiB" "—" "—" \
        "$(calc "$(json_field "$j" lookups_per_s) / max($dp, 1)" .2f)"
      [ "$(json_field "$j" lookups)" = "$DNS_NAMES" ] && [ "$(json_field "$j" timed_out)" = 0 ] ||
        note "bare c-ares loop ($list): $(cat "$j")"
    else
      note "bare c-ares loop ($list) failed: $(tail -1 "$W/runs/dns-bare-$list.err" 2>/dev/null)"
    fi
  done
  # Names that resolve, each address then refused on port 9: one run.
  timed "$W/runs/dns-zone.time" timeout 300 "$BIN" scan -i "$d/names.txt" -p 9 \
    --resolver 127.0.0.53 --depth basic -c "$c" --timeout 2 --retries 0 --no-progress -q \
    -o "$W/runs/dns-zone.ndjson" || true
  read -r wall user sys rss <"$W/runs/dns-zone.time"
  read -r looked med statuses <<<"$(dns_stats "$W/runs/dns-zone.ndjson")"
  local lps
  lps=$(calc "$looked / $wall" .0f)
  row "DNS, $DNS_NAMES names on nsd" "tlsfleet -c $c: lookup + refused connect (one run)" \
    "$(calc "$lps" ,.0f)" "$(calc "($user + $sys) * 1000 / max($looked, 1)" .4f)" \
    "$(calc "$rss / 1024" .1f) MiB" "—" "—" "$(calc "$lps / max($dp, 1)" .2f)"
  note "DNS, tlsfleet lookup + refused connect: $looked lookups timed (median $med ms); records: $statuses."
  local label median_lps
  for queries in 128 500; do
    label="lookup only (NXDOMAIN)"
    [ "$queries" = 500 ] && label="$label, --dns-queries 500"
    # shellcheck disable=SC2086 # the lists split into their figures
    median_lps=$(m ${dns_lps[$queries]})
    # shellcheck disable=SC2086
    row "DNS, $DNS_NAMES names on nsd" "tlsfleet -c $c: $label" "$(calc "$median_lps" ,.0f)" \
      "$(m ${dns_cpu[$queries]})" "$(calc "$(m ${dns_rss[$queries]}) / 1024" .1f) MiB" "—" "—" \
      "**$(calc "$median_lps / max($dp, 1)" .2f)**"
  done
  local -a at128 at500
  read -r -a at128 <<<"${dns_lps[128]}"
  read -r -a at500 <<<"${dns_lps[500]}"
  note "DNS, per round (dnsperf best / tlsfleet NXDOMAIN at 128 / at 500 queries per worker, lookups/s): $(for i in "${!dp_qps[@]}"; do printf '%s; ' "$(calc "${dp_qps[$i]}" .0f) / ${at128[$i]} / ${at500[$i]}"; done)"
  note "DNS: the last best dnsperf, $DNSPERF_NOTE."
  kill "$np" 2>/dev/null || true
}

# dns_stats FILE: lookups timed, their median in ms, and the records by status.
dns_stats() {
  python3 - "$1" <<'EOF'
import json, statistics, sys
dns, status = [], {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    status[r["status"]] = status.get(r["status"], 0) + 1
    if "dns" in r["timing_ms"]:
        dns.append(r["timing_ms"]["dns"])
print(len(dns), f"{statistics.median(dns) if dns else 0:.1f}",
      ",".join(f"{k}:{v}" for k, v in sorted(status.items())))
EOF
}

# ------------------------------------------------------------------ the run

log "work directory $W; load average at start $LOAD_START"
make_pki
start_nginx
run_micro
for kind in ecdsa rsa; do
  port=443
  [ $kind = rsa ] && port=4443
  for n in $(seq 1 "$REPEAT"); do
    log "sweep $kind, round $n of $REPEAT: $SWEEP addresses"
    sweep_once $kind $port "$n"
  done
done
sweep_rows ecdsa "ECDSA P-256, $SWEEP addresses"
sweep_rows rsa "RSA-2048, $SWEEP addresses"
log "deeper depths and nmap"
depth_rows
nmap_rows
log "$INFLIGHT connections in flight"
inflight_rows
log "DNS"
dns_rows
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo
  echo "## tlsfleet benchmark, $DATE"
  echo
  echo "$(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); load average at start $LOAD_START, at end $LOAD_END."
  echo "Build: ${BENCH_COMMIT:-commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)}; medians of $REPEAT interleaved rounds; CPU is user+sys of the measuring process."
  echo
  echo "| scenario | contender | endpoints/s | CPU ms/endpoint | peak RSS | nginx CPU ms/handshake | CPU vs 1 baseline | endpoints/s vs 2-client baseline |"
  echo "|---|---|---:|---:|---|---:|---:|---:|"
  printf '%s\n' "${ROWS[@]}"
  echo
  for n in "${NOTES[@]}"; do echo "- $n"; done
  echo
  echo "Micro-benchmarks (CPU time per call; manual_time rows: client-side time of one in-memory handshake; real_time rows: wall time):"
  echo
  echo "| benchmark | µs | |"
  echo "|---|---:|---|"
  printf '%s\n' "${MICRO[@]}"
} | tee "${BENCH_RESULTS:-$W/results.md}"
