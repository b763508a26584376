// Plan: the lazy stream of work for a scan. Targets come from the arguments, then from
// each -i file in order, read as the scan goes; ranges are never materialised, so memory
// stays flat however large the space. Workers pull batches.
//
// Order. Without shuffle: input order, each range address by address, ports inner. With
// shuffle (what `scan` does): each address target's (address, port) pairs are visited in
// a pseudo-random order (net::Permutation, keyed by --seed and the target's place in the
// input), and up to kWindow targets are walked at once, one candidate from each in turn
// (a target that runs out makes room for the next one from the input). So a /16 never
// sees one /24 at a time, a list of ranges is spread over several of them at once, and the
// input is still read lazily. Names (and name@address) are one candidate each and keep
// their input order among themselves.
//
// Positions. Every candidate gets the next position (0, 1, 2, ...) before it is filtered:
// excluded addresses, other shards' endpoints and candidates a resumed run already
// finished are skipped, but still use up their position. Positions therefore depend only
// on the input and the seed, which is what makes checkpoints (scanner/checkpoint.h) hold.
//
// Reading ahead. By default next_batch reads the input itself. After read_ahead() a
// thread of the plan's own reads the input into a bounded queue and next_batch only takes
// what is ready: a slow producer on stdin (a generator, a pipe from another tool) never
// holds up the event loops that call it, nor the records of the endpoints already taken.
#pragma once

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/exclusion_set.h"
#include "net/permutation.h"
#include "net/target.h"
#include "net/target_reader.h"
#include "scanner/checkpoint.h"
#include "scanner/ring.h"
#include "scanner/shard.h"
#include "scanner/work_item.h"

namespace tlsfleet::scanner {

class InputStream;

struct PlanInput {
  std::vector<std::string> arguments;
  std::vector<std::string> files;  // "-" is stdin
  std::vector<uint16_t> ports;
  std::optional<std::string> sni;  // for address targets
  const net::ExclusionSet* exclusions = nullptr;
  bool shuffle = false;  // see "Order" above
  uint64_t seed = 0;
  Shard shard;                              // only this slice is handed out
  const CheckpointState* resume = nullptr;  // positions it says are finished are skipped
  ProgressLedger* ledger = nullptr;         // told of every position handed out
};

// One item of work and its position in the plan.
struct PlannedItem {
  WorkItem item;
  Position position = 0;
};

class Plan {
 public:
  // Targets walked at once when shuffling.
  static constexpr size_t kWindow = 64;

  // Opens every input file up front, so a missing file is a usage error before any scan.
  // Returns nullptr and sets *error on failure.
  static std::unique_ptr<Plan> create(PlanInput input, std::string* error);
  ~Plan();
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;

  // Items the read-ahead queue holds at most.
  static constexpr size_t kReadAhead = 4096;
  // Items the reading thread reads before queueing them under one lock (fewer when the
  // input would make it wait).
  static constexpr size_t kReadBatch = 64;

  // Starts the reading thread (see "Reading ahead"). ready is called on that thread when
  // items (or the end of the plan) arrive after a next_batch that found nothing, so a
  // caller that got nothing knows when to ask again. Call at most once, before any
  // next_batch.
  void read_ahead(std::function<void()> ready, size_t capacity = kReadAhead);
  // Stops the reading thread (within PollingFdBuf::kPollMs when it waits for input) and
  // waits for it. Nothing more is handed out afterwards. Idempotent; the destructor calls
  // it. Call it before anything PlanInput points to goes away.
  void stop();

  // Appends up to max items. Returns false when the plan is exhausted: true with nothing
  // appended means none is ready yet (only after read_ahead). Thread-safe. The ledger (if
  // any) learns of the positions handed out before this returns.
  bool next_batch(std::vector<PlannedItem>& out, size_t max);
  // The same without positions.
  bool next_batch(std::vector<WorkItem>& out, size_t max);

  // Endpoints known so far, and whether every input has been read. While not final it is
  // the candidates of the targets read so far (divided by N with --shard K/N); once final,
  // the endpoints handed out (a name counting one per port).
  struct Count {
    net::u128 endpoints = 0;
    bool final = false;
  };
  Count count() const;
  size_t bad_targets() const;
  size_t valid_targets() const;

 private:
  // One target being walked.
  struct Stream {
    net::Target target;
    std::vector<uint16_t> ports;
    net::u128 size = 0;  // candidates: addresses x ports (saturating), or 1 for a name
    net::u128 next = 0;  // candidates taken so far
    std::optional<net::Permutation> order;
  };

  explicit Plan(PlanInput input) : input_(std::move(input)) {}
  void read_loop();
  bool load_next_target(net::Target& out);  // false at end of input
  void fill_window();
  // More input would be read for the window: it holds fewer targets than it walks at
  // once (kWindow when shuffling, else 1) and the input has not ended.
  bool window_short() const;
  bool input_would_block();  // the next target would wait for a pipe or terminal
  // Takes the front stream's next candidate; false when it is filtered out.
  bool take_candidate(Stream& s, WorkItem& out) const;
  bool next_item(PlannedItem& out);
  // Moves the reading side's tally into the shared counts. Caller holds both locks.
  void publish_tally();
  std::vector<uint16_t> ports_for(const net::Target& t) const;

  // The input side: whoever reads (next_batch without read-ahead, else the reading
  // thread) holds input_mutex_.
  std::mutex input_mutex_;
  PlanInput input_;
  std::vector<std::unique_ptr<std::istream>> files_;
  std::vector<std::istream*> streams_;
  std::vector<InputStream*> polled_;  // per stream: itself when it is a pipe or terminal
  size_t next_argument_ = 0;
  size_t next_stream_ = 0;
  std::unique_ptr<net::TargetReader> reader_;
  bool input_done_ = false;

  Ring<Stream> window_;
  uint64_t targets_read_ = 0;  // keys each target's permutation
  Position next_position_ = 0;
  // Counts of the targets read, kept by the reading side and published under mutex_ once
  // per batch rather than per target (the lock the workers take their batches under).
  struct Tally {
    size_t valid_targets = 0;
    size_t bad_targets = 0;
    net::u128 counted = 0;
  };
  Tally tally_;

  // The rest is behind mutex_: counts, the read-ahead queue, what was handed out.
  mutable std::mutex mutex_;
  std::condition_variable room_;  // the queue has room again, or stop
  std::thread reader_thread_;
  std::function<void()> ready_;
  size_t capacity_ = 0;  // 0: no read-ahead
  Ring<PlannedItem> queue_;
  Position queued_cursor_ = 0;  // every position below was queued or skipped
  bool reader_done_ = false;    // the reading thread met the end of the input
  bool starving_ = false;       // a next_batch found nothing: call ready_ on arrival
  std::atomic<bool> stop_{false};
  net::u128 counted_ = 0;
  net::u128 handed_out_ = 0;
  bool exhausted_ = false;
  size_t bad_targets_ = 0;
  size_t valid_targets_ = 0;
};

}  // namespace tlsfleet::scanner
