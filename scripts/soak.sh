#!/usr/bin/env bash
# Soak: one long scan of ENDPOINTS endpoints (default 200,000) in a private network
# namespace (`unshare -n`, so root), a third each closed ports, silent listeners and real
# TLS (nginx), on addresses across 127/8. It checks what a week-long nightly scan relies
# on:
#   - every endpoint gets exactly one record, every line one JSON object;
#   - memory is flat: RSS (sampled from /proc every half second) stops growing after
#     warm-up (the first quarter of the records);
#   - no descriptor leaks: /proc/PID/fd counted before the first target arrives and again
#     after the last sweep endpoint finished (one slow name keeps the process alive then).
#
#   sudo bash scripts/soak.sh [ENDPOINTS]     # 200,000: a few minutes on 2 cores
#   sudo bash scripts/soak.sh 20000           # the bounded version CI runs
#
# TLSFLEET_BIN picks the binary (default build/tlsfleet); SOAK_DIR keeps the run's files
# (default: a temporary directory, removed on success). Samples: SOAK_DIR/samples.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."

ENDPOINTS=${1:-200000}
BIN=$(realpath "${TLSFLEET_BIN:-build/tlsfleet}")
TIMEOUT_S=2        # --timeout: what a silent listener costs
CONCURRENCY=1000
# An endpoint may end later than its deadlines + 10% by the length of the event-loop turn
# it waited in (a turn that starts hundreds of handshakes takes a while on a busy
# machine); past this much more, the soak fails.
LATE_SLACK_MS=${SOAK_LATE_SLACK_MS:-1000}
LIMIT_S=$((600 + ENDPOINTS / 100))  # the whole scan, however slow the machine

if [ "${SOAK_IN_NETNS:-}" != 1 ]; then
  [ -x "$BIN" ] || { echo "soak: $BIN not built (scripts/build.sh)" >&2; exit 2; }
  [ "$(id -u)" = 0 ] || { echo "soak: needs root for unshare -n: sudo bash $0" >&2; exit 2; }
  exec unshare -n env SOAK_IN_NETNS=1 TLSFLEET_BIN="$BIN" bash "$0" "$@"
fi

# ---------------------------------------------------------------- inside the namespace
ip link set lo up
DIR=${SOAK_DIR:-$(mktemp -d /tmp/tlsfleet-soak.XXXXXX)}
mkdir -p "$DIR"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
log() { echo "soak: $*" >&2; }

# Real TLS on 0.0.0.0:8443: in this namespace that is every address of 127/8.
openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 30 \
  -subj /CN=soak.test -keyout "$DIR/key.pem" -out "$DIR/cert.pem" 2>/dev/null
mkdir -p "$DIR/nginx-tmp"
cat >"$DIR/nginx.conf" <<EOF
daemon off;
worker_processes 2;
$([ "$(id -u)" = 0 ] && echo "user root;")
pid $DIR/nginx.pid;
error_log $DIR/nginx-error.log crit;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $DIR/nginx-tmp;
  proxy_temp_path $DIR/nginx-tmp;
  fastcgi_temp_path $DIR/nginx-tmp;
  uwsgi_temp_path $DIR/nginx-tmp;
  scgi_temp_path $DIR/nginx-tmp;
  server {
    listen 8443 ssl backlog=8192;
    ssl_certificate $DIR/cert.pem;
    ssl_certificate_key $DIR/key.pem;
    return 200 "soak\n";
  }
}
EOF
nginx -p "$DIR" -c "$DIR/nginx.conf" -e "$DIR/nginx-error.log" &
PIDS+=($!)

# Silent listeners on 0.0.0.0:9443 (accept, never answer) and a DNS server on
# 127.0.0.53:53 that answers every A question with 127.0.0.1, but only once the file
# DIR/release exists: the one name in the input stays unresolved until the "after"
# descriptor count is taken.
python3 - "$DIR/release" "$LIMIT_S" >"$DIR/helpers.log" 2>&1 <<'EOF' &
import asyncio, os, sys
release, limit = sys.argv[1], float(sys.argv[2])

async def silent(reader, writer):
    try:
        while await reader.read(65536):
            pass
    except ConnectionError:
        pass
    writer.close()

class Dns(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport
    def datagram_received(self, data, addr):
        asyncio.get_running_loop().create_task(self.answer_when_released(data, addr))
    async def answer_when_released(self, data, addr):
        while not os.path.exists(release):
            await asyncio.sleep(0.1)
        self.answer(data, addr)
    def answer(self, q, addr):
        end = 12
        while q[end]:
            end += q[end] + 1
        end += 5
        reply = q[:2] + b"\x85\x80" + b"\x00\x01\x00\x01\x00\x00\x00\x00" + q[12:end]
        reply += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01"
        self.transport.sendto(reply, addr)

async def main():
    await asyncio.start_server(silent, "0.0.0.0", 9443, backlog=8192)
    await asyncio.get_running_loop().create_datagram_endpoint(Dns, local_addr=("127.0.0.53", 53))
    await asyncio.sleep(limit)

asyncio.run(main())
EOF
PIDS+=($!)

ready() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
for _ in $(seq 100); do ready 8443 && ready 9443 && break; sleep 0.1; done
if ! { ready 8443 && ready 9443; }; then
  log "servers did not start; see $DIR"
  exit 1
fi

# Addresses 127.1.0.0 onwards, three ports each (7443 closed, 8443 TLS, 9443 silent).
ADDRESSES=$(((ENDPOINTS + 2) / 3))
SWEEP=$((ADDRESSES * 3))
LAST=$((ADDRESSES - 1))
RANGE="127.1.0.0-127.$((1 + LAST / 65536)).$(((LAST / 256) % 256)).$((LAST % 256))"
mkfifo "$DIR/targets"
# The producer holds the FIFO open with nothing in it for 2 s: the scanner waits at its
# first read, so that is when the "before" descriptor count is taken. The last line, a
# name, waits in DNS until the sweep is done and the "after" count taken.
{ sleep 2; echo "$RANGE"; echo "slow.soak:9443"; } >"$DIR/targets" &
PIDS+=($!)

start=$(date +%s.%N)
"$BIN" scan --no-progress --depth basic --timeout "$TIMEOUT_S" --retries 0 \
  -c "$CONCURRENCY" -p 7443,8443,9443 --resolver 127.0.0.53:53 --dns-timeout 600 \
  -i "$DIR/targets" -o "$DIR/out.ndjson" 2>"$DIR/scan.err" &
SCAN=$!
PIDS+=("$SCAN")
# The whole scan is bounded: past LIMIT_S it is killed (and the verdict fails).
{ sleep "$LIMIT_S"; kill "$SCAN" 2>/dev/null; } &
PIDS+=($!)

since() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }
fds() { { ls "/proc/$SCAN/fd" 2>/dev/null || true; } | wc -l; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SCAN/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$SCAN/status" 2>/dev/null || echo 0; }
sleep 1.5
FD_BEFORE=$(fds)
printf 'seconds\trecords\trss_kb\tfds\tcpu_ticks\n' >"$DIR/samples.tsv"
FD_AFTER=""
while kill -0 "$SCAN" 2>/dev/null; do
  records=$(wc -l <"$DIR/out.ndjson" 2>/dev/null || echo 0)
  sample_fds=$(fds)
  printf '%s\t%s\t%s\t%s\t%s\n' "$(since "$start")" "$records" "$(rss_kb)" "$sample_fds" \
    "$(cpu_ticks)" >>"$DIR/samples.tsv"
  # The sweep is done and only the name is left, waiting for its DNS answer.
  if [ "$records" -ge "$SWEEP" ] && [ -z "$FD_AFTER" ]; then
    sleep 0.5
    FD_AFTER=$(fds)
    touch "$DIR/release"
  fi
  sleep 0.5
done
set +e
wait "$SCAN"
STATUS=$?
set -e
ELAPSED=$(since "$start")

# ---------------------------------------------------------------- verdict
set +e
python3 - "$DIR" "$SWEEP" "$STATUS" "$FD_BEFORE" "${FD_AFTER:-}" "$ELAPSED" "$TIMEOUT_S" \
  "$LATE_SLACK_MS" <<'EOF'
import collections, json, sys
d, sweep, status, fd_before, fd_after, elapsed, timeout_s, slack_ms = sys.argv[1:]
sweep, status, fd_before = int(sweep), int(status), int(fd_before)
timeout_ms = float(timeout_s) * 1000
problems = []
counts, lines, late, very_late, worst = collections.Counter(), 0, 0, 0, 0.0
with open(d + "/out.ndjson", "rb") as f:
    for raw in f:
        lines += 1
        try:
            r = json.loads(raw)
            assert isinstance(r, dict)
            counts[r["status"]] += 1
            t = r["timing_ms"]
            over = t["total"] - t.get("dns", 0) - r["connections"] * timeout_ms * 1.1
            worst = max(worst, over)
            late += over > 0
            very_late += over > float(slack_ms)
        except Exception as e:  # noqa: BLE001
            problems.append("line %d is not one JSON object: %s" % (lines, e))
if status != 0:
    problems.append("tlsfleet exited %d: %s" % (status, open(d + "/scan.err").read()[-500:]))
if lines != sweep + 1:
    problems.append("%d records, expected %d" % (lines, sweep + 1))
rows = [l.split("\t") for l in open(d + "/samples.tsv").read().splitlines()[1:]]
rows = [(float(x[0]), int(x[1]), int(x[2]), int(x[3])) for x in rows if x[2].strip()]
warm = [r for r in rows if r[1] >= sweep // 4]
rss_warm = warm[0][2] if warm else 0
rss_max = max((r[2] for r in warm), default=0)
growth = rss_max - rss_warm
# Flat: after warm-up, RSS grows by less than 10% or 16 MB, whichever is more.
# Every connection has one deadline: an endpoint far past its connections' deadlines
# means the event loop could not keep time.
if very_late:
    problems.append("%d endpoints ended more than %s ms after their deadlines + 10%%"
                    % (very_late, slack_ms))
if not warm or growth > max(rss_warm // 10, 16 * 1024):
    problems.append("RSS grew from %d KB (warm) to %d KB" % (rss_warm, rss_max))
if not fd_after:
    problems.append("no descriptor count after the sweep (process ended too soon)")
elif int(fd_after) > fd_before + 2:  # the pending name's DNS socket
    problems.append("descriptors: %d before, %s after the sweep" % (fd_before, fd_after))
print("soak: %d endpoints in %.0f s: %s" % (lines, float(elapsed), dict(counts)))
print("soak: %d endpoints past their deadlines + 10%%, the worst by %.0f ms" % (late, worst))
print("soak: RSS %d KB at warm-up, %d KB max after; descriptors %d before, %s after"
      % (rss_warm, rss_max, fd_before, fd_after))
for p in problems:
    print("soak: FAIL: " + p)
sys.exit(1 if problems else 0)
EOF
verdict=$?
[ $verdict = 0 ] && [ -z "${SOAK_DIR:-}" ] && rm -rf "$DIR"
[ $verdict = 0 ] || log "files kept in $DIR"
exit $verdict
