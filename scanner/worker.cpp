#include "scanner/worker.h"

#include <algorithm>
#include <chrono>

#include "output/ecs_record.h"
#include "output/native_record.h"
#include "scanner/error.h"
#include "scanner/findings.h"

namespace tlsfleet::scanner {

namespace {

constexpr size_t kPlanBatch = 64;
constexpr size_t kOutputFlushBytes = 64 * 1024;
// Endpoints that may wait in a worker beyond its concurrency: room to find endpoints whose
// address is free when the first ones in line are busy, without reading far ahead (what
// waits is unfinished in a checkpoint).
constexpr size_t kWaitingSpare = 256;
// How often endpoints held back by an address busy in another worker look again.
constexpr uint64_t kBlockedPollMs = 20;
// Endpoints started per loop turn at most: starting a whole --concurrency share at once
// (thousands of connects, then thousands of ClientHellos) would keep the loop from the
// deadline timers and the replies of endpoints already running. The rest start on the
// next turns, which poll for I/O without waiting in between.
constexpr size_t kLaunchesPerTurn = 64;

ErrorKind dns_error_kind(net::DnsError error) {
  switch (error) {
    case net::DnsError::kNxdomain:
    case net::DnsError::kBadName:
      return ErrorKind::kNxdomain;
    case net::DnsError::kNoAddress:
      return ErrorKind::kNoAddress;
    case net::DnsError::kTimeout:
      return ErrorKind::kDnsTimeout;
    case net::DnsError::kServfail:
    case net::DnsError::kRefused:
    case net::DnsError::kOther:
    case net::DnsError::kNone:
      return ErrorKind::kServfail;
  }
  return ErrorKind::kServfail;
}

// What an endpoint's end says about its host's load (backoff on timeouts and resets).
HostOutcome host_outcome(const EndpointResult& r) {
  if (r.status == Status::kTimeout) return HostOutcome::kStrained;
  if (r.error && r.error->code == "CONNECTION_RESET") return HostOutcome::kStrained;
  if (r.status == Status::kOk || r.status == Status::kTlsError || r.status == Status::kNotTls) {
    return HostOutcome::kHealthy;
  }
  return HostOutcome::kNeutral;
}

// A PTR name fit to be sent as SNI: letters, digits, '-', '_' and dots, at most 253
// bytes, not an address. Anything else (a hostile PTR) is not used.
bool usable_ptr_name(const std::string& name) {
  if (name.empty() || name.size() > 253 || net::IpAddress::parse(name)) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return name.front() != '.' && name.find("..") == std::string::npos;
}

// Sets an optional string to value, reusing the storage of the one it holds.
void assign(std::optional<std::string>& to, const std::string& value) {
  if (to) {
    to->assign(value);
  } else {
    to.emplace(value);
  }
}

int64_t now_unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

Worker::Worker(SharedScan& shared, std::unique_ptr<tls::ClientContexts> contexts, int concurrency,
               Politeness* politeness, ProgressLedger* ledger)
    : shared_(shared),
      contexts_(std::move(contexts)),
      concurrency_(concurrency > 0 ? concurrency : 1),
      politeness_(politeness),
      ledger_(ledger) {
  uv_loop_init(&loop_);
  uv_check_init(&loop_, &check_);
  check_.data = this;
  uv_async_init(&loop_, &wake_, &Worker::on_async);
  wake_.data = this;
  uv_timer_init(&loop_, &pump_timer_);
  pump_timer_.data = this;
  uv_idle_init(&loop_, &next_turn_);
  next_turn_.data = this;
}

Worker::~Worker() {
  // run() ran the loop until every handle closed; what is left is plain memory.
  retired_.clear();
  for (EndpointJob* job : finished_jobs_) delete job;
}

std::string Worker::run() {
  std::string error;
  net::ResolverOptions resolver_options;
  resolver_options.servers = shared_.options.resolvers;
  resolver_options.timeout_s = shared_.options.dns_timeout_s;
  resolver_options.ipv6 = shared_.options.ipv6;
  resolver_options.max_queries = static_cast<size_t>(shared_.options.dns_queries);
  resolver_ = net::Resolver::create(&loop_, resolver_options, &error);
  uv_check_start(&check_, &Worker::on_check);
  if (!resolver_) {
    shared_.stopping = true;
    plan_exhausted_ = true;
  } else {
    pump();
  }
  maybe_finish();
  uv_run(&loop_, UV_RUN_DEFAULT);
  reap();
  // Closed, its handles too: its cache of answers (one per name looked up) is freed here,
  // on this thread, while the other workers may still run, not serially after them all.
  resolver_.reset();
  int rc = uv_loop_close(&loop_);
  if (rc != 0 && error.empty()) error = "internal error: the event loop did not close cleanly";
  return error;
}

void Worker::wake() {
  std::lock_guard<std::mutex> lock(wake_mutex_);
  if (wake_open_) uv_async_send(&wake_);
}

size_t Worker::active() const { return jobs_.size() + lookups_in_flight_; }

void Worker::pump() {
  if (in_pump_ || finishing_) return;
  in_pump_ = true;
  handle_stop();
  // Each round launches what may start, then takes more work while there is room; it
  // ends when concurrency is full, the rate limiter says wait, or nothing more can come.
  while (!shared_.stopping.load(std::memory_order_relaxed)) {
    if (!launch_waiting()) break;
    if (active() >= static_cast<size_t>(concurrency_)) break;
    if (!take_work()) break;
  }
  in_pump_ = false;
  maybe_finish();
}

bool Worker::take_work() {
  bool took = false;
  while (active() < static_cast<size_t>(concurrency_)) {
    // Work a worker holds and cannot start waits while another worker may idle: take no
    // more than the free slots, and kWaitingSpare more only while politeness holds some
    // back (to find endpoints whose address is free).
    size_t free_slots = static_cast<size_t>(concurrency_) - active();
    size_t limit = held_back_ ? free_slots + kWaitingSpare : free_slots;
    if (waiting_.size() >= limit) break;
    if (batch_next_ >= batch_.size()) {
      batch_.clear();
      batch_next_ = 0;
      if (plan_exhausted_) break;
      if (!shared_.plan->next_batch(batch_, kPlanBatch)) plan_exhausted_ = true;
      if (batch_.empty()) break;
    }
    PlannedItem& item = batch_[batch_next_++];  // its parts are moved out below
    took = true;
    if (auto* endpoint = std::get_if<EndpointSpec>(&item.item)) {
      Waiting waiting{std::move(*endpoint), item.position, false};
      // --sni-from ptr: an address target's SNI is its PTR name (name@address has one).
      if (shared_.options.sni_from_ptr && !waiting.spec.host) {
        reverse_lookup(std::move(waiting));
      } else {
        waiting_.push_back(std::move(waiting));
      }
    } else {
      lookup(std::move(std::get<LookupSpec>(item.item)), item.position);
    }
  }
  return took;
}

bool Worker::launch_waiting() {
  if (waiting_.empty()) return true;
  uint64_t now = uv_hrtime();
  bool blocked = false;
  uint64_t retry_at = UINT64_MAX;
  for (auto it = waiting_.begin();
       it != waiting_.end() && active() < static_cast<size_t>(concurrency_);) {
    if (launched_this_turn_ >= kLaunchesPerTurn) {
      uv_idle_start(&next_turn_, &Worker::on_next_turn);
      return false;
    }
    if (politeness_) {
      Politeness::Decision d = politeness_->try_acquire(it->spec.ip, now);
      if (!d.granted) {
        blocked = true;
        if (d.not_before_ns != 0) retry_at = std::min(retry_at, d.not_before_ns);
        ++it;
        continue;
      }
    }
    if (!take_rate_token()) {
      if (politeness_) politeness_->release(it->spec.ip, HostOutcome::kNeutral, now);
      return false;
    }
    Waiting waiting = std::move(*it);
    it = waiting_.erase(it);
    ++launched_this_turn_;
    launch(std::move(waiting));
  }
  held_back_ = blocked;
  if (blocked) {
    // A backoff ends at a known time; a busy address is freed by whichever worker runs
    // its endpoint, which may be another one: look again shortly.
    uint64_t wait_ms = kBlockedPollMs;
    if (retry_at != UINT64_MAX && retry_at > now) {
      wait_ms = std::min(wait_ms, (retry_at - now + 999999) / 1000000);
    }
    arm_pump_timer(wait_ms);
  }
  return true;
}

bool Worker::take_rate_token() {
  if (!shared_.rate_limiter) return true;
  uint64_t now = uv_hrtime();
  uint64_t ready_at;
  {
    std::lock_guard<std::mutex> lock(shared_.rate_mutex);
    if (shared_.rate_limiter->try_acquire(now)) return true;
    ready_at = shared_.rate_limiter->next_ready_ns(now);
  }
  arm_pump_timer(ready_at > now ? (ready_at - now + 999999) / 1000000 : 1);
  return false;
}

void Worker::arm_pump_timer(uint64_t wait_ms) {
  if (finishing_) return;
  if (wait_ms == 0) wait_ms = 1;
  auto* handle = reinterpret_cast<uv_handle_t*>(&pump_timer_);
  if (uv_is_active(handle) && uv_timer_get_due_in(&pump_timer_) <= wait_ms) return;
  uv_timer_start(&pump_timer_, &Worker::on_pump_timer, wait_ms, 0);
}

void Worker::launch(Waiting waiting) {
  // The first connection starts reading the system trust store (a scan whose every name
  // fails DNS never reads it); the handshakes under way overlap the read.
  shared_.trust_store->prefetch();
  net::IpAddress ip = waiting.spec.ip;
  auto job = std::make_unique<EndpointJob>(*this, std::move(waiting.spec));
  EndpointJob* raw = job.get();
  jobs_.emplace(raw, Running{std::move(job), waiting.position, waiting.from_lookup, ip});
  raw->start();
}

void Worker::lookup(LookupSpec&& spec, Position position) {
  ++lookups_in_flight_;
  uint32_t slot;
  if (free_lookup_slots_.empty()) {
    slot = static_cast<uint32_t>(pending_lookups_.size());
    pending_lookups_.emplace_back();
  } else {
    slot = free_lookup_slots_.back();
    free_lookup_slots_.pop_back();
  }
  PendingLookup& pending = pending_lookups_[slot];
  pending.spec = std::move(spec);
  pending.position = position;
  pending.start_ns = uv_hrtime();
  // resolve() copies the name before it returns and calls back later, never inside.
  resolver_->resolve(pending.spec.name, [this, slot](const net::DnsAnswer& answer) {
    // Moved out first: the records take the spec's strings, and the slot is free again.
    PendingLookup done = std::move(pending_lookups_[slot]);
    free_lookup_slots_.push_back(slot);
    lookup_done(done.spec, done.position, done.start_ns, answer);
  });
}

void Worker::reverse_lookup(Waiting waiting) {
  ++lookups_in_flight_;
  uint64_t start = uv_hrtime();
  net::IpAddress ip = waiting.spec.ip;
  resolver_->reverse(
      ip, [this, waiting = std::move(waiting), start](const net::DnsAnswer& answer) mutable {
        --lookups_in_flight_;
        if (shared_.stopping) {
          maybe_finish();
          return;
        }
        // No usable PTR name: the endpoint goes on with --sni (or none), as without the flag.
        if (answer.error == net::DnsError::kNone && !answer.names.empty() &&
            usable_ptr_name(answer.names.front())) {
          waiting.spec.sni = answer.names.front();
        }
        waiting.spec.dns_ms = static_cast<double>(uv_hrtime() - start) / 1e6;
        waiting_.push_back(std::move(waiting));
        pump();
      });
}

void Worker::lookup_done(LookupSpec& spec, Position position, uint64_t start_ns,
                         const net::DnsAnswer& answer) {
  --lookups_in_flight_;
  double dns_ms = static_cast<double>(uv_hrtime() - start_ns) / 1e6;
  if (shared_.stopping) {
    maybe_finish();
    return;
  }
  if (answer.error == net::DnsError::kNone) {
    size_t endpoints = 0;
    for (const net::IpAddress& ip : answer.addresses) {
      if (shared_.plan_exclusions && shared_.plan_exclusions->contains(ip)) continue;
      for (uint16_t port : spec.ports) {
        EndpointSpec endpoint;
        endpoint.target = spec.target;
        endpoint.host = spec.name;
        endpoint.ip = ip;
        endpoint.port = port;
        endpoint.sni = spec.name;
        endpoint.dns_ms = dns_ms;
        waiting_.push_back(Waiting{std::move(endpoint), position, true});
        ++endpoints;
      }
    }
    if (endpoints == 0) {
      written_.emplace_back(position, 0);  // every address excluded: nothing to write
    } else {
      lookups_[position].remaining = endpoints;
    }
  } else {
    // Refilled for every name that fails: only the fields set here ever change in it, and
    // its strings keep their storage. A fresh EndpointResult per record, made, filled and
    // destroyed, cost some 350 instructions more (callgrind, 20,000 NXDOMAIN names).
    EndpointResult& result = dns_failure_;
    std::string& detail = set_error(result, dns_error_kind(answer.error));
    detail.append("DNS lookup of ").append(spec.name).append(": ");
    detail.append(answer.detail.empty() ? std::string_view("the name did not resolve")
                                        : std::string_view(answer.detail));
    result.target.assign(spec.target);
    assign(result.host, spec.name);
    assign(result.sni, spec.name);
    result.timing.dns_ms = dns_ms;
    result.timing.total_ms = dns_ms;
    result.finished_unix_ms = now_unix_ms();
    for (uint16_t port : spec.ports) {
      result.port = port;
      emit(result);
    }
    written_.emplace_back(position, static_cast<uint32_t>(spec.ports.size()));
  }
  pump();
}

void Worker::job_done(EndpointJob* job, EndpointResult&& result) {
  bool cancelled = result.status == Status::kCancelled;
  HostOutcome outcome = host_outcome(result);
  emit(result);
  auto node = jobs_.extract(job);
  if (!node.empty()) {
    Running& running = node.mapped();
    if (politeness_) politeness_->release(running.ip, outcome, uv_hrtime());
    position_written(running.position, running.from_lookup, cancelled);
    finished_jobs_.push_back(running.job.release());
  }
  pump();
}

void Worker::position_written(Position position, bool from_lookup, bool cancelled) {
  if (!ledger_) return;
  // A cancelled endpoint is not finished: a resumed scan does it again.
  if (!from_lookup) {
    if (!cancelled) written_.emplace_back(position, 1);
    return;
  }
  auto it = lookups_.find(position);
  if (it == lookups_.end()) return;
  LookupProgress& progress = it->second;
  ++progress.records;
  progress.cancelled = progress.cancelled || cancelled;
  if (--progress.remaining > 0) return;
  if (!progress.cancelled) written_.emplace_back(position, progress.records);
  lookups_.erase(it);
}

void Worker::retire(std::unique_ptr<net::TcpConnection> connection) {
  if (!connection) return;
  connection->close();
  retired_.push_back(std::move(connection));
}

void Worker::emit(const EndpointResult& result) {
  stats_.count(result);
  if (shared_.options.format == OutputFormat::kEcs) {
    output::append_ecs_record(result, output_buffer_);
  } else {
    output::append_native_record(result, output_buffer_);
  }
  if (output_buffer_.size() >= kOutputFlushBytes) flush_output();
}

void Worker::flush_output() {
  if (!output_buffer_.empty()) {
    if (!shared_.sink->write_through(output_buffer_)) {
      // Never lose records silently: a failing output stops the whole scan.
      shared_.output_failed = true;
      shared_.stopping = true;
      shared_.cancelling = true;
      written_.clear();  // not written: a resumed scan does them again
    }
    output_buffer_.clear();
  }
  // Only now, with the records handed to the kernel, may a checkpoint count them done.
  if (ledger_ && !written_.empty()) ledger_->finished(written_);
  written_.clear();
}

void Worker::reap() {
  for (EndpointJob* job : finished_jobs_) delete job;
  finished_jobs_.clear();
  std::erase_if(retired_, [](const auto& c) { return c->closed(); });
}

void Worker::handle_stop() {
  if (!shared_.stopping) return;
  waiting_.clear();
  batch_.clear();
  batch_next_ = 0;
  plan_exhausted_ = true;
  if (shared_.cancelling) {
    std::vector<EndpointJob*> running;
    running.reserve(jobs_.size());
    for (auto& [raw, entry] : jobs_) running.push_back(raw);
    // Called from pump(), so the job_done() each cancel() makes starts nothing new.
    for (EndpointJob* job : running) job->cancel();
    if (resolver_) resolver_->close();
  }
}

void Worker::maybe_finish() {
  if (finishing_ || in_pump_) return;
  bool nothing_left = plan_exhausted_ && waiting_.empty() && batch_next_ >= batch_.size();
  if (!(nothing_left || shared_.stopping) || !jobs_.empty() || lookups_in_flight_ > 0) return;
  finishing_ = true;
  flush_output();
  if (resolver_) resolver_->close();
  uv_close(reinterpret_cast<uv_handle_t*>(&check_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&pump_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&next_turn_), nullptr);
  std::lock_guard<std::mutex> lock(wake_mutex_);
  wake_open_ = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&wake_), nullptr);
}

void Worker::on_check(uv_check_t* check) {
  auto* self = static_cast<Worker*>(check->data);
  self->launched_this_turn_ = 0;
  self->reap();
  self->flush_output();
}

void Worker::on_async(uv_async_t* async) {
  auto* self = static_cast<Worker*>(async->data);
  self->pump();
}

void Worker::on_next_turn(uv_idle_t* idle) {
  auto* self = static_cast<Worker*>(idle->data);
  uv_idle_stop(idle);
  self->pump();
}

void Worker::on_pump_timer(uv_timer_t* timer) {
  auto* self = static_cast<Worker*>(timer->data);
  self->pump();
}

}  // namespace tlsfleet::scanner
