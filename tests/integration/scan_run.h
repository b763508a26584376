// Runs `tlsfleet` and parses what it wrote. Every stdout line must be one JSON object
// (SCHEMA.md); run_tlsfleet() adds a test failure for any line that is not, and scan()
// also checks every record's shape against the schema.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/ndjson_record.h"
#include "tests/integration/process_runner.h"

namespace tlsfleet::integration {

struct ScanRun {
  ProcessResult process;
  std::vector<Record> records;  // the stdout lines that parsed, in output order

  int exit_code() const { return process.exit_code; }
  const std::string& err() const { return process.err; }
  std::string describe() const { return process.describe(); }

  // The records whose ip is this address (CIDR and multi-address names).
  std::vector<const Record*> with_ip(const std::string& ip) const;
  // The one record whose target is exactly this; fails the test and returns nullptr when
  // there is none or more than one.
  const Record* by_target(const std::string& target) const;
};

// `tlsfleet ARGS...` with a hard deadline (the process is killed past it).
ScanRun run_tlsfleet(const std::vector<std::string>& args, const std::string& stdin_text = "",
                     std::chrono::milliseconds limit = std::chrono::seconds(60));

struct ScanOptions {
  std::string depth = "basic";
  std::string timeout = "2";
  std::string stdin_text;
};

// `tlsfleet scan --depth basic --resolver FLEET_DNS --ca-file FLEET_ROOT --timeout 2
//  --no-progress --ports FLEET_PORT EXTRA...`, every record's shape checked.
ScanRun scan(const std::vector<std::string>& extra, const ScanOptions& options = {});

// The single record of a scan that must produce exactly one: fails and returns nullptr
// (so the caller can ASSERT_NE it) when the exit code is not 0 or the count is not one.
const Record* single_record(const ScanRun& run);

}  // namespace tlsfleet::integration
