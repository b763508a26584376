#include "scanner/worker.h"

#include "output/ecs_record.h"
#include "output/native_record.h"
#include "scanner/error.h"
#include "scanner/findings.h"

#include <chrono>

namespace tlsfleet::scanner {

namespace {

constexpr size_t kPlanBatch = 64;
constexpr size_t kOutputFlushBytes = 64 * 1024;

ErrorKind dns_error_kind(net::DnsError error) {
  switch (error) {
    case net::DnsError::kNxdomain:
    case net::DnsError::kBadName: return ErrorKind::kNxdomain;
    case net::DnsError::kNoAddress: return ErrorKind::kNoAddress;
    case net::DnsError::kTimeout: return ErrorKind::kDnsTimeout;
    case net::DnsError::kServfail:
    case net::DnsError::kRefused:
    case net::DnsError::kOther:
    case net::DnsError::kNone: return ErrorKind::kServfail;
  }
  return ErrorKind::kServfail;
}

int64_t now_unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

Worker::Worker(SharedScan& shared, int concurrency)
    : shared_(shared), concurrency_(concurrency > 0 ? concurrency : 1) {
  uv_loop_init(&loop_);
  uv_check_init(&loop_, &check_);
  check_.data = this;
  uv_async_init(&loop_, &wake_, &Worker::on_async);
  wake_.data = this;
  uv_timer_init(&loop_, &pump_timer_);
  pump_timer_.data = this;
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
  while (!shared_.stopping.load(std::memory_order_relaxed) &&
         active() < static_cast<size_t>(concurrency_)) {
    if (!ready_.empty()) {
      if (!take_rate_token()) break;
      EndpointSpec spec = std::move(ready_.front());
      ready_.pop_front();
      launch(std::move(spec));
      continue;
    }
    if (batch_next_ < batch_.size()) {
      WorkItem item = std::move(batch_[batch_next_++]);
      if (auto* endpoint = std::get_if<EndpointSpec>(&item)) {
        ready_.push_back(std::move(*endpoint));
      } else {
        lookup(std::move(std::get<LookupSpec>(item)));
      }
      continue;
    }
    batch_.clear();
    batch_next_ = 0;
    if (plan_exhausted_) break;
    if (!shared_.plan->next_batch(batch_, kPlanBatch)) plan_exhausted_ = true;
  }
  in_pump_ = false;
  maybe_finish();
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
  if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&pump_timer_))) {
    uint64_t wait_ms = ready_at > now ? (ready_at - now + 999999) / 1000000 : 1;
    uv_timer_start(&pump_timer_, &Worker::on_pump_timer, wait_ms, 0);
  }
  return false;
}

void Worker::launch(EndpointSpec spec) {
  auto job = std::make_unique<EndpointJob>(*this, std::move(spec));
  EndpointJob* raw = job.get();
  jobs_.emplace(raw, std::move(job));
  raw->start();
}

void Worker::lookup(LookupSpec spec) {
  ++lookups_in_flight_;
  uint64_t start = uv_hrtime();
  std::string name = spec.name;
  resolver_->resolve(name, [this, spec = std::move(spec), start](const net::DnsAnswer& answer) {
    lookup_done(spec, start, answer);
  });
}

void Worker::lookup_done(const LookupSpec& spec, uint64_t start_ns, const net::DnsAnswer& answer) {
  --lookups_in_flight_;
  double dns_ms = static_cast<double>(uv_hrtime() - start_ns) / 1e6;
  if (shared_.stopping) {
    maybe_finish();
    return;
  }
  if (answer.error == net::DnsError::kNone) {
    for (const net::IpAddress& ip : answer.addresses) {
      if (shared_.plan_exclusions && shared_.plan_exclusions->contains(ip)) continue;
      for (uint16_t port : spec.ports) {
        EndpointSpec endpoint;
        endpoint.target = spec.target;
        endpoint.host = spec.name;
        endpoint.ip = ip;
        endpoint.port = port;
        endpoint.sni = spec.sni;
        endpoint.dns_ms = dns_ms;
        ready_.push_back(std::move(endpoint));
      }
    }
  } else {
    for (uint16_t port : spec.ports) {
      EndpointResult result;
      result.target = spec.target;
      result.host = spec.name;
      result.port = port;
      result.sni = spec.sni;
      result.timing.dns_ms = dns_ms;
      result.timing.total_ms = dns_ms;
      result.finished_unix_ms = now_unix_ms();
      std::string detail = answer.detail.empty() ? "the name did not resolve" : answer.detail;
      set_error(result, dns_error_kind(answer.error), "DNS lookup of " + spec.name + ": " + detail);
      emit(std::move(result));
    }
  }
  pump();
}

void Worker::job_done(EndpointJob* job, EndpointResult&& result) {
  emit(std::move(result));
  auto node = jobs_.extract(job);
  if (!node.empty()) finished_jobs_.push_back(node.mapped().release());
  pump();
}

void Worker::retire(std::unique_ptr<net::TcpConnection> connection) {
  if (!connection) return;
  connection->close();
  retired_.push_back(std::move(connection));
}

void Worker::emit(EndpointResult&& result) {
  stats_.count(result);
  if (shared_.options.format == OutputFormat::kEcs) {
    output::append_ecs_record(result, output_buffer_);
  } else {
    output::append_native_record(result, output_buffer_);
  }
  if (output_buffer_.size() >= kOutputFlushBytes) flush_output();
}

void Worker::flush_output() {
  if (output_buffer_.empty()) return;
  if (!shared_.sink->write(output_buffer_) || !shared_.sink->flush()) {
    // Never lose records silently: a failing output stops the whole scan.
    shared_.output_failed = true;
    shared_.stopping = true;
    shared_.cancelling = true;
  }
  output_buffer_.clear();
}

void Worker::reap() {
  for (EndpointJob* job : finished_jobs_) delete job;
  finished_jobs_.clear();
  std::erase_if(retired_, [](const auto& c) { return c->closed(); });
}

void Worker::handle_stop() {
  if (!shared_.stopping) return;
  ready_.clear();
  batch_.clear();
  batch_next_ = 0;
  plan_exhausted_ = true;
  if (shared_.cancelling) {
    std::vector<EndpointJob*> running;
    running.reserve(jobs_.size());
    for (auto& [raw, job] : jobs_) running.push_back(raw);
    // Called from pump(), so the job_done() each cancel() makes starts nothing new.
    for (EndpointJob* job : running) job->cancel();
    if (resolver_) resolver_->close();
  }
}

void Worker::maybe_finish() {
  if (finishing_ || in_pump_) return;
  bool nothing_left = plan_exhausted_ && ready_.empty() && batch_next_ >= batch_.size();
  if (!(nothing_left || shared_.stopping) || !jobs_.empty() || lookups_in_flight_ > 0) return;
  finishing_ = true;
  flush_output();
  if (resolver_) resolver_->close();
  uv_close(reinterpret_cast<uv_handle_t*>(&check_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&pump_timer_), nullptr);
  std::lock_guard<std::mutex> lock(wake_mutex_);
  wake_open_ = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&wake_), nullptr);
}

void Worker::on_check(uv_check_t* check) {
  auto* self = static_cast<Worker*>(check->data);
  self->reap();
  self->flush_output();
}

void Worker::on_async(uv_async_t* async) {
  auto* self = static_cast<Worker*>(async->data);
  self->pump();
}

void Worker::on_pump_timer(uv_timer_t* timer) {
  auto* self = static_cast<Worker*>(timer->data);
  self->pump();
}

}  // namespace tlsfleet::scanner
