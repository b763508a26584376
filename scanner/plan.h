// Plan: the lazy stream of work for a scan. Targets come from the arguments, then from
// each -i file in order; ranges are walked address by address (ports inner), never
// materialised, so memory stays flat however large the space. Workers pull batches.
#pragma once

#include <fstream>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "net/exclusion_set.h"
#include "net/target.h"
#include "net/target_reader.h"
#include "scanner/work_item.h"

namespace tlsfleet::scanner {

struct PlanInput {
  std::vector<std::string> arguments;
  std::vector<std::string> files;  // "-" is stdin
  std::vector<uint16_t> ports;
  std::optional<std::string> sni;  // for address targets
  const net::ExclusionSet* exclusions = nullptr;
};

class Plan {
 public:
  // Opens every input file up front, so a missing file is a usage error before any scan.
  // Returns nullptr and sets *error on failure.
  static std::unique_ptr<Plan> create(PlanInput input, std::string* error);

  // Appends up to max items; returns false when the plan is exhausted. Thread-safe.
  bool next_batch(std::vector<WorkItem>& out, size_t max);

  // Endpoints known so far, and whether every input has been read (total is final).
  struct Count {
    net::u128 endpoints = 0;  // address endpoints plus one per name and port
    bool final = false;
  };
  Count count() const;
  size_t bad_targets() const;
  size_t valid_targets() const;

 private:
  explicit Plan(PlanInput input) : input_(std::move(input)) {}
  bool load_next_target();  // fills current_; false at end of input
  bool next_item(WorkItem& out);
  std::vector<uint16_t> ports_for(const net::Target& t) const;

  PlanInput input_;
  std::vector<std::unique_ptr<std::ifstream>> files_;
  std::vector<std::istream*> streams_;
  size_t next_argument_ = 0;
  size_t next_stream_ = 0;
  std::unique_ptr<net::TargetReader> reader_;

  std::optional<net::Target> current_;
  std::vector<uint16_t> current_ports_;
  net::u128 address_index_ = 0;
  size_t port_index_ = 0;

  mutable std::mutex mutex_;
  net::u128 counted_ = 0;
  bool exhausted_ = false;
  size_t bad_targets_ = 0;
  size_t valid_targets_ = 0;
};

}  // namespace tlsfleet::scanner
