#!/usr/bin/env bash
# The tour: sets up, builds, starts the local demo fleet (real nginx, HAProxy and dnsmasq
# on 127.84.0.0/24, see tests/integration/fleet.sh), scans it with build/tlsfleet, prints
# every record, then a summary by status and finding. The fleet is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/build.sh

work=$(mktemp -d "${TMPDIR:-/tmp}/tlsfleet-demo.XXXXXX")
cleanup() {
  bash tests/integration/fleet.sh stop "$work" || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

FLEET_OWNER_PID=$$ bash tests/integration/fleet.sh start "$work"
# shellcheck source=/dev/null
source "$work/fleet.env"

# Names go through the fleet's DNS server; the last two show the address and
# name@address (one load-balancer pool member checked against a name) forms.
cat >"$work/targets.txt" <<EOF
# the demo fleet: one scenario per name
$FLEET_VALID_HOST
$FLEET_MULTI_HOST
$FLEET_HAPROXY_HOST
$FLEET_EXPIRED_HOST
$FLEET_NOTYET_HOST
$FLEET_SELFSIGNED_HOST
$FLEET_WRONGNAME_HOST
$FLEET_NOINT_HOST
$FLEET_MISORDERED_HOST
$FLEET_WEAKKEY_HOST
$FLEET_PLAINTEXT_HOST
$FLEET_CLOSED_HOST
$FLEET_SILENT_HOST
$FLEET_NX_HOST
$FLEET_VALID_IP
$FLEET_VALID_HOST@$FLEET_WRONGNAME_IP
EOF

echo
echo "== tlsfleet scan of the demo fleet (targets: $work/targets.txt)"
echo
set +e
"${BUILD_DIR:-build}/tlsfleet" scan --resolver "$FLEET_RESOLVER" --ca-file "$FLEET_CA" --ports "$FLEET_PORT" \
  --timeout 2 --no-progress -i "$work/targets.txt" | tee "$work/scan.ndjson"
status=${PIPESTATUS[0]}
set -e

echo
echo "== summary: $(grep -c . "$work/scan.ndjson" || true) records, scanner exit status $status"
echo "-- by status"
grep -o '"status": *"[a-z_]*"' "$work/scan.ndjson" | sed 's/.*"\([a-z_]*\)"$/\1/' |
  sort | uniq -c | sort -rn || true
echo "-- findings"
grep -o '"id": *"[A-Z0-9_]*"' "$work/scan.ndjson" | sed 's/.*"\([A-Z0-9_]*\)"$/\1/' |
  sort | uniq -c | sort -rn || true
exit "$status"
