// Reads a scan file back: one NDJSON record per line, native ("tlsfleet/1") or ECS
// (--format ecs), into EndpointSummary values. It streams through a fixed buffer, so a
// file of any size costs the same memory, and parses each line in place with one reused
// simdjson parser. Lines that are not records (cut short by a crash, edited by hand,
// garbage) are counted and skipped, never fatal.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "output/scan_summary.h"

namespace tlsfleet::output {

struct MalformedLine {
  uint64_t line = 0;  // 1-based
  std::string reason;
};

struct ReadStats {
  // How many malformed lines are described in first_malformed; the rest are only counted.
  static constexpr std::size_t kMaxExamples = 5;

  uint64_t lines = 0;      // lines read, blank ones included
  uint64_t records = 0;    // lines that were scan records
  uint64_t malformed = 0;  // lines that were not
  std::vector<MalformedLine> first_malformed;
  // "" while reading works; otherwise why reading stopped early (an I/O error).
  std::string io_error;
};

class NdjsonReader {
 public:
  // The longest line accepted; a longer one is counted as malformed and skipped. Records
  // are a few KiB; even a full-depth record with a long chain stays far below this.
  static constexpr std::size_t kMaxLineBytes = 4u << 20;

  NdjsonReader();
  ~NdjsonReader();
  NdjsonReader(const NdjsonReader&) = delete;
  NdjsonReader& operator=(const NdjsonReader&) = delete;

  // Opens `path` ("-" is stdin). False, with *error saying why, when it cannot be read.
  bool open(const std::string& path, std::string* error);

  // Fills `summary` from the next record and returns true; false at the end of the input
  // (or after a read error, which stats().io_error then names). `summary` is overwritten
  // field by field, so reusing one object across calls reuses its string capacity.
  bool next(EndpointSummary& summary);

  const ReadStats& stats() const { return stats_; }

 private:
  enum class LineKind { kLine, kTooLong, kEnd };
  LineKind next_line(std::string_view* line);
  bool fill();
  void malformed(std::string reason);

  int fd_ = -1;
  bool owns_fd_ = false;
  std::unique_ptr<char[]> buffer_;  // kMaxLineBytes + SIMDJSON_PADDING
  std::size_t begin_ = 0;           // first unconsumed byte
  std::size_t end_ = 0;             // one past the last byte read
  std::size_t scanned_ = 0;         // bytes from begin_ known to hold no newline
  bool eof_ = false;
  bool last_unterminated_ = false;  // the line just returned had no '\n' (end of file)
  simdjson::dom::parser parser_;
  ReadStats stats_;
};

// A whole scan file, de-duplicated by endpoint key: the last record of a key wins (a
// resumed scan may write an endpoint twice), at the position where the key first appeared.
struct ScanFile {
  std::vector<EndpointSummary> endpoints;
  ReadStats stats;
  uint64_t duplicates = 0;  // records replaced by a later one with the same key
};

// Reads `path` into `out`. False, with *error, only when the file cannot be opened.
bool read_scan_file(const std::string& path, ScanFile& out, std::string* error);

// "3 malformed lines (line 7: not JSON (...); line 9: ...)", or "" when there were none.
std::string describe_malformed(const ReadStats& stats);

}  // namespace tlsfleet::output
