#!/usr/bin/env bash
# Sets up, builds and runs every test: the unit tests and the integration tests, which
# start a local fleet of real servers on loopback (tests/integration/fleet.sh) and stop
# it again. Extra arguments go to ctest (e.g. -R integration, -V).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/build.sh
exec ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure "$@"
