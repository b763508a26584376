// ScanOptions: everything `tlsfleet scan` was asked to do, as parsed from the command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tlsfleet::scanner {

enum class Depth { kBasic, kStandard, kFull };

// --format: SCHEMA.md's native records, or the same facts in Elastic Common Schema names.
enum class OutputFormat { kNative, kEcs };

struct ScanOptions {
  std::vector<std::string> targets;      // from the arguments
  std::vector<std::string> input_files;  // -i; "-" is stdin
  std::vector<uint16_t> ports{443};
  std::string output = "-";
  OutputFormat format = OutputFormat::kNative;
  Depth depth = Depth::kStandard;
  int concurrency = 1000;
  double rate = 0;  // new connections per second; 0 = no limit
  double timeout_s = 5;
  double dns_timeout_s = 3;
  int dns_queries = 128;  // DNS queries outstanding at once, per worker thread
  int retries = 1;
  std::vector<std::string> resolvers;
  std::string ca_file;
  std::optional<std::string> sni;
  int threads = 0;  // 0 = one per core
  bool ipv6 = false;
  std::string exclude_file;
  int expiry_warn_days = 30;
  std::optional<int> fail_on;       // Severity as int; exit 1 at or above it
  std::optional<bool> progress;     // unset: on when stderr is a terminal
  bool quiet = false;               // no summary line
  size_t max_read_bytes = 1 << 20;  // per connection

  // Fleet operations (docs/CLI.md): order, slices, resume, politeness, reverse DNS.
  std::optional<uint64_t> seed;  // --seed; unset: the checkpoint's, else random
  uint32_t shard_index = 0;      // --shard K/N: K
  uint32_t shard_count = 1;      // N
  std::string resume_file;       // --resume; empty: no checkpoint
  int per_host = 1;              // endpoints in flight to one address; 0 = unlimited
  int per_subnet = 0;            // ... to one /24 or /64; 0 = unlimited
  bool sni_from_ptr = false;     // --sni-from ptr
};

}  // namespace tlsfleet::scanner
