#!/usr/bin/env bash
# The continuous checks beyond the README's test command (.ci/run runs that first):
#
#   asan   the whole test suite built with AddressSanitizer + UndefinedBehaviorSanitizer
#          (Debug) in build-asan, run with ctest (unit and integration tests)
#   tsan   ThreadSanitizer build in build-tsan (one worker thread per core, a shared
#          output sink): the integration tests and the unit tests
#   fuzz   clang + libFuzzer in build-fuzz: every fuzzer in tests/fuzz runs for
#          FUZZ_SECONDS (default 30) from its seed corpus
#   soak   scripts/soak.sh with SOAK_ENDPOINTS (default 200,000: the full soak, 3-4 min) on the release build
#          (BUILD_DIR, default build/, as scripts/build.sh makes it)
#
#   bash scripts/ci_extra.sh [STAGE...]     # default: asan tsan fuzz soak
#
# Each stage prints its wall time; the script stops at the first failing stage. JOBS caps
# parallel compiles (default: cores). Installs clang and its runtimes when missing (root).
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
SOAK_ENDPOINTS=${SOAK_ENDPOINTS:-200000}
STAGES=("$@")
ASAN_FLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined'
[ ${#STAGES[@]} -gt 0 ] || STAGES=(asan tsan fuzz soak)

log() { echo "ci_extra: $*" >&2; }

ensure_clang() {
  local runtime
  runtime=$(clang++ -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null || true)
  command -v clang++ >/dev/null && [ -f "$runtime" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    log "needs clang and libclang-rt-14-dev: sudo apt-get install clang libclang-rt-14-dev"
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends clang libclang-rt-14-dev
}

configure() {
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja -DTLSFLEET_BENCH=OFF "$@" >/dev/null
}

stage_asan() {
  configure build-asan -DCMAKE_BUILD_TYPE=Debug \
    "-DCMAKE_CXX_FLAGS=$ASAN_FLAGS"
  cmake --build build-asan --parallel "$JOBS"
  # A small quarantine keeps RSS near a plain build's (the sweep test bounds it).
  local asan_options=abort_on_error=1:detect_stack_use_after_return=1:quarantine_size_mb=16
  ASAN_OPTIONS=${ASAN_OPTIONS:-$asan_options} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    ctest --test-dir build-asan --output-on-failure
}

stage_tsan() {
  configure build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS='-fsanitize=thread -fno-omit-frame-pointer'
  cmake --build build-tsan --parallel "$JOBS"
  # libuv closes descriptors with a raw close syscall TSan cannot see, so a descriptor
  # number one worker's loop freed and another thread reuses (OpenSSL reading the CA
  # directory) looks like a race between uninstrumented libraries. Races in our code,
  # which is instrumented, are still reported.
  local tsan_options=halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1
  TSAN_OPTIONS=${TSAN_OPTIONS:-$tsan_options} ctest --test-dir build-tsan --output-on-failure
}

stage_fuzz() {
  ensure_clang
  configure build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DTLSFLEET_FUZZ=ON \
    "-DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link $ASAN_FLAGS"
  # tlsfleet_output too: the readers and reports must keep compiling with clang.
  cmake --build build-fuzz --parallel "$JOBS" --target fuzzers tlsfleet_output
  local fuzzer seeds work
  mkdir -p build-fuzz/artifacts
  for fuzzer in target_fuzzer client_session_fuzzer cert_fuzzer native_record_fuzzer \
    dns_reply_fuzzer; do
    seeds=tests/fuzz/corpus/$fuzzer
    # New inputs go to a scratch corpus; the checked-in seeds are only read.
    work=build-fuzz/corpus/$fuzzer
    mkdir -p "$work"
    log "fuzzing $fuzzer for ${FUZZ_SECONDS}s"
    "build-fuzz/tests/fuzz/$fuzzer" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$fuzzer-" \
      "$work" "$seeds" 2>"build-fuzz/$fuzzer.log" || {
      tail -n 60 "build-fuzz/$fuzzer.log" >&2
      log "$fuzzer failed; the input is in build-fuzz/artifacts"
      exit 1
    }
    grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units)' "build-fuzz/$fuzzer.log" >&2 || true
  done
}

stage_soak() {
  local build=${BUILD_DIR:-build}
  [ -x "$build/tlsfleet" ] || bash scripts/build.sh
  TLSFLEET_BIN=$build/tlsfleet bash scripts/soak.sh "$SOAK_ENDPOINTS"
}

total_start=$SECONDS
for stage in "${STAGES[@]}"; do
  start=$SECONDS
  log "stage $stage"
  "stage_$stage"
  log "stage $stage passed in $((SECONDS - start)) s"
done
log "all stages (${STAGES[*]}) passed in $((SECONDS - total_start)) s"
