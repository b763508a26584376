// Worker: one thread's share of a scan. It owns one libuv loop, one resolver, and the
// endpoint jobs it launched; it pulls work from the shared plan in batches, keeps at most
// its share of --concurrency in flight, and hands finished records to the output sink.
#pragma once

#include <uv.h>

#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <string>
#include <vector>

#include "net/resolver.h"
#include "scanner/endpoint_job.h"
#include "scanner/scan_stats.h"
#include "scanner/shared_scan.h"

namespace tlsfleet::scanner {

class Worker : public JobHost {
 public:
  Worker(SharedScan& shared, int concurrency);
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
  const tls::ClientContexts& client_contexts() override { return *shared_.client_contexts; }
  X509_STORE* trust_store() override { return shared_.trust_store.get(); }
  const ScanOptions& options() override { return shared_.options; }
  bool stopping() override { return shared_.stopping.load(std::memory_order_relaxed); }
  void job_done(EndpointJob* job, EndpointResult&& result) override;
  void retire(std::unique_ptr<net::TcpConnection> connection) override;

 private:
  size_t active() const;
  void pump();
  bool take_rate_token();
  void launch(EndpointSpec spec);
  void lookup(LookupSpec spec);
  void lookup_done(const LookupSpec& spec, uint64_t start_ns, const net::DnsAnswer& answer);
  void emit(EndpointResult&& result);
  void flush_output();
  void reap();
  void handle_stop();
  void maybe_finish();

  static void on_check(uv_check_t* check);
  static void on_async(uv_async_t* async);
  static void on_pump_timer(uv_timer_t* timer);

  SharedScan& shared_;
  int concurrency_;
  uv_loop_t loop_;
  uv_check_t check_;
  uv_async_t wake_;
  uv_timer_t pump_timer_;
  std::unique_ptr<net::Resolver> resolver_;

  std::deque<EndpointSpec> ready_;  // endpoints waiting for a slot (from DNS or the plan)
  std::vector<WorkItem> batch_;
  size_t batch_next_ = 0;
  bool plan_exhausted_ = false;
  bool finishing_ = false;
  bool in_pump_ = false;
  std::mutex wake_mutex_;
  bool wake_open_ = true;

  std::unordered_map<EndpointJob*, std::unique_ptr<EndpointJob>> jobs_;
  std::vector<EndpointJob*> finished_jobs_;
  std::vector<std::unique_ptr<net::TcpConnection>> retired_;
  size_t lookups_in_flight_ = 0;

  std::string output_buffer_;
  ScanStats stats_;
};

}  // namespace tlsfleet::scanner
