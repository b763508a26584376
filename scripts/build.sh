#!/usr/bin/env bash
# Configures and builds tlsfleet into build/ (Ninja, RelWithDebInfo): build/tlsfleet.
# BUILD_DIR and BUILD_TYPE override the defaults; JOBS caps parallel compiles.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
JOBS=${JOBS:-$(nproc)}

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE"
cmake --build "$BUILD_DIR" --parallel "$JOBS"
