// Worker: one thread's share of a scan. It owns one libuv loop, one resolver, and the
// endpoint jobs it launched; it pulls work from the shared plan in batches, keeps at most
// its share of --concurrency in flight, and hands finished records to the output sink.
//
// An endpoint waits in the worker until politeness (per address and subnet, shared by all
// workers) and the rate limiter both let it start; it waits in input order, but one whose
// address is busy does not hold up the ones behind it. With a ledger (--resume), the
// positions whose records reached the output are reported after each successful flush.
#pragma once

#include <uv.h>

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/resolver.h"
#include "scanner/checkpoint.h"
#include "scanner/endpoint_job.h"
#include "scanner/politeness.h"
#include "scanner/scan_stats.h"
#include "scanner/shared_scan.h"

namespace tlsfleet::scanner {

class Worker : public JobHost {
 public:
  // contexts: this worker's own SSL_CTXs (make_client_contexts with own_library), so no
  // OpenSSL state on the handshake path is shared with the other workers. politeness and
  // ledger may be null (no limits; no checkpoint); both outlive the worker.
  Worker(SharedScan& shared, std::unique_ptr<tls::ClientContexts> contexts, int concurrency,
         Politeness* politeness = nullptr, ProgressLedger* ledger = nullptr);
  ~Worker() override;
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs until the plan is exhausted and every job finished (or the scan is cancelled).
  // Returns an error message when the worker could not start, "" otherwise.
  std::string run();
  // Wakes the loop to look at shared.stopping / shared.cancelling. Thread-safe.
  void wake();
  const ScanStats& stats() const { return stats_; }

  // JobHost
  uv_loop_t* loop() override { return &loop_; }
  const tls::ClientContexts& client_contexts() override { return *contexts_; }
  X509_STORE* trust_store() override { return shared_.trust_store->get(); }
  const ScanOptions& options() override { return shared_.options; }
  bool stopping() override { return shared_.stopping.load(std::memory_order_relaxed); }
  void job_done(EndpointJob* job, EndpointResult&& result) override;
  void retire(std::unique_ptr<net::TcpConnection> connection) override;

 private:
  // An endpoint waiting to start, and where it came from in the plan.
  struct Waiting {
    EndpointSpec spec;
    Position position = 0;
    bool from_lookup = false;  // one of a name's endpoints: the position is the name's
  };
  struct Running {
    std::unique_ptr<EndpointJob> job;
    Position position = 0;
    bool from_lookup = false;
    net::IpAddress ip;
  };
  // A name whose endpoints are not all written yet.
  struct LookupProgress {
    size_t remaining = 0;
    uint32_t records = 0;
    bool cancelled = false;
  };

  size_t active() const;
  void pump();
  bool take_work();
  bool launch_waiting();
  bool take_rate_token();
  void arm_pump_timer(uint64_t wait_ms);
  void launch(Waiting waiting);
  void lookup(LookupSpec&& spec, Position position);
  void lookup_done(LookupSpec& spec, Position position, uint64_t start_ns,
                   const net::DnsAnswer& answer);
  void reverse_lookup(Waiting waiting);
  void position_written(Position position, bool from_lookup, bool cancelled);
  void emit(const EndpointResult& result);
  void flush_output();
  void reap();
  void handle_stop();
  void maybe_finish();

  static void on_check(uv_check_t* check);
  static void on_async(uv_async_t* async);
  static void on_pump_timer(uv_timer_t* timer);
  static void on_next_turn(uv_idle_t* idle);

  SharedScan& shared_;
  std::unique_ptr<tls::ClientContexts> contexts_;
  int concurrency_;
  Politeness* politeness_;
  ProgressLedger* ledger_;
  uv_loop_t loop_;
  uv_check_t check_;
  uv_async_t wake_;
  uv_timer_t pump_timer_;
  uv_idle_t next_turn_;  // started when a turn's launches ran out: pump again next turn
  size_t launched_this_turn_ = 0;
  bool held_back_ = false;  // politeness held back some of waiting_ on the last pass
  std::unique_ptr<net::Resolver> resolver_;

  std::list<Waiting> waiting_;  // endpoints waiting for a slot (from DNS or the plan)
  std::vector<PlannedItem> batch_;
  size_t batch_next_ = 0;
  bool plan_exhausted_ = false;
  bool finishing_ = false;
  bool in_pump_ = false;
  std::mutex wake_mutex_;
  bool wake_open_ = true;

  std::unordered_map<EndpointJob*, Running> jobs_;
  std::map<Position, LookupProgress> lookups_;
  // Lookups in flight, in slots reused as they finish: the resolver's callback holds only
  // the slot's number, small enough for std::function to keep without an allocation.
  struct PendingLookup {
    LookupSpec spec;
    Position position = 0;
    uint64_t start_ns = 0;
  };
  std::vector<PendingLookup> pending_lookups_;
  std::vector<uint32_t> free_lookup_slots_;
  // Finished positions whose records are in output_buffer_; the ledger hears of them once
  // the buffer is written.
  std::vector<std::pair<Position, uint32_t>> written_;
  // The record of a name that failed DNS, refilled for each one (lookup_done).
  EndpointResult dns_failure_;
  std::vector<EndpointJob*> finished_jobs_;
  std::vector<std::unique_ptr<net::TcpConnection>> retired_;
  size_t lookups_in_flight_ = 0;

  std::string output_buffer_;
  ScanStats stats_;
};

}  // namespace tlsfleet::scanner
