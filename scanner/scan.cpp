#include "scanner/scan.h"

#include <sys/resource.h>
#include <unistd.h>
#include <uv.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "output/progress.h"
#include "scanner/error.h"
#include "scanner/politeness.h"
#include "scanner/resume.h"
#include "scanner/shared_scan.h"
#include "scanner/worker.h"
#include "tls/client_context.h"
#include "tls/trust_store.h"

namespace tlsfleet::scanner {

namespace {

// Descriptors a scan needs besides one per in-flight connection: stdio, output, DNS
// sockets, libuv's own (epoll, async, signal pipes) per worker.
constexpr rlim_t kSpareDescriptors = 64;

// Raises the soft descriptor limit to the hard one and returns the concurrency the limit
// allows, warning when it is below what was asked.
int fit_concurrency_to_descriptors(int wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return wanted;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur == RLIM_INFINITY) return wanted;
  rlim_t usable = limit.rlim_cur > kSpareDescriptors ? limit.rlim_cur - kSpareDescriptors : 1;
  if (static_cast<rlim_t>(wanted) <= usable) return wanted;
  std::cerr << "tlsfleet: warning: --concurrency " << wanted << " exceeds the descriptor limit ("
            << limit.rlim_cur << "); using " << usable << "\n";
  return static_cast<int>(usable);
}

struct Control {
  SharedScan* shared = nullptr;
  std::vector<std::unique_ptr<Worker>>* workers = nullptr;
  uv_signal_t sigint, sigterm;
  uv_timer_t progress_timer;
  uv_timer_t checkpoint_timer;
  uv_async_t worker_exited;
  ResumeSession* resume = nullptr;
  bool checkpoint_failing = false;
  std::atomic<size_t> exited{0};
  int interrupted_by = 0;
  bool show_progress = false;
  uint64_t start_ns = 0;
};

output::ProgressSnapshot snapshot(Control& c) {
  output::ProgressSnapshot s;
  s.elapsed_s = static_cast<double>(uv_hrtime() - c.start_ns) / 1e9;
  for (const auto& w : *c.workers) {
    for (size_t i = 0; i < kStatusCount; ++i) {
      s.by_status[i] += w->stats().by_status[i].load(std::memory_order_relaxed);
    }
  }
  for (uint64_t n : s.by_status) s.done += n;
  Plan::Count count = c.shared->plan->count();
  if (count.final) s.total = static_cast<uint64_t>(count.endpoints);
  return s;
}

void on_signal(uv_signal_t* handle, int signum) {
  auto* c = static_cast<Control*>(handle->data);
  if (!c->shared->stopping) {
    c->interrupted_by = signum;
    c->shared->stopping = true;
    std::cerr << "\ntlsfleet: interrupted: finishing the endpoints in flight (at most one "
                 "--timeout); interrupt again to cancel them\n";
  } else {
    c->shared->cancelling = true;
    std::cerr << "\ntlsfleet: cancelling the endpoints in flight\n";
  }
  for (auto& w : *c->workers) w->wake();
}

void on_progress(uv_timer_t* timer) {
  auto* c = static_cast<Control*>(timer->data);
  std::string line = output::format_progress(snapshot(*c));
  std::cerr << "\r\033[K" << line << std::flush;
}

// Saves the checkpoint; says so once when saving starts failing and once when it recovers.
void save_checkpoint(Control& c) {
  std::string error;
  bool ok = c.resume->save(&error);
  if (!ok && !c.checkpoint_failing) {
    std::cerr << "\ntlsfleet: warning: " << error << " (trying again every second)\n";
  } else if (ok && c.checkpoint_failing) {
    std::cerr << "\ntlsfleet: the checkpoint is written again\n";
  }
  c.checkpoint_failing = !ok;
}

void on_checkpoint(uv_timer_t* timer) { save_checkpoint(*static_cast<Control*>(timer->data)); }

void on_worker_exited(uv_async_t* async) {
  auto* c = static_cast<Control*>(async->data);
  if (c->exited.load() < c->workers->size()) return;
  uv_close(reinterpret_cast<uv_handle_t*>(&c->sigint), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->sigterm), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->progress_timer), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->checkpoint_timer), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->worker_exited), nullptr);
}

const char* severity_name(int s) {
  static const char* kNames[] = {"info", "low", "medium", "high", "critical"};
  return s >= 0 && s < 5 ? kNames[s] : "none";
}

void print_summary(Control& c, const std::vector<std::unique_ptr<Worker>>& workers) {
  output::ProgressSnapshot s = snapshot(c);
  std::array<uint64_t, 5> findings{};
  for (const auto& w : workers) {
    for (size_t i = 0; i < 5; ++i) {
      findings[i] += w->stats().findings_by_severity[i].load(std::memory_order_relaxed);
    }
  }
  std::ostringstream line;
  line << "tlsfleet: " << output::format_count(s.done) << " endpoints in ";
  char elapsed[32];
  std::snprintf(elapsed, sizeof elapsed, "%.1f s", s.elapsed_s);
  line << elapsed << ":";
  bool any = false;
  for (size_t i = 0; i < kStatusCount; ++i) {
    if (s.by_status[i] == 0) continue;
    line << (any ? ", " : " ") << status_name(static_cast<Status>(i)) << " "
         << output::format_count(s.by_status[i]);
    any = true;
  }
  line << "; findings:";
  bool any_finding = false;
  for (int i = 4; i >= 0; --i) {
    if (findings[static_cast<size_t>(i)] == 0) continue;
    line << " " << severity_name(i) << " "
         << output::format_count(findings[static_cast<size_t>(i)]);
    any_finding = true;
  }
  if (!any_finding) line << " none";
  size_t bad = c.shared->plan->bad_targets();
  if (bad > 0) line << "; " << bad << " bad target" << (bad == 1 ? "" : "s") << " skipped";
  std::cerr << line.str() << "\n";
}

}  // namespace

int run_scan(ScanOptions options) {
  std::signal(SIGPIPE, SIG_IGN);
  SharedScan shared;
  shared.options = std::move(options);
  ScanOptions& opt = shared.options;
  std::string error;

  if (opt.targets.empty() && opt.input_files.empty()) {
    std::cerr << "tlsfleet: no targets: give them as arguments or with -i FILE (-i - for stdin)\n";
    return kExitUsage;
  }
  if (!opt.exclude_file.empty()) {
    std::ifstream in(opt.exclude_file);
    if (!in) {
      std::cerr << "tlsfleet: cannot open exclude file '" << opt.exclude_file << "'\n";
      return kExitUsage;
    }
    shared.exclusions.load(in, [&](size_t line, const std::string& reason) {
      std::cerr << "tlsfleet: " << opt.exclude_file << ":" << line << ": skipped: " << reason
                << "\n";
    });
    shared.plan_exclusions = &shared.exclusions;
  }
  std::unique_ptr<ResumeSession> resume;
  if (!opt.resume_file.empty()) {
    resume = ResumeSession::open(opt, &error);
    if (!resume) {
      std::cerr << "tlsfleet: " << error << "\n";
      return kExitUsage;
    }
    if (resume->already_complete()) {
      std::cerr << "tlsfleet: checkpoint '" << opt.resume_file
                << "' says this scan is complete; nothing to do (remove it to scan again)\n";
      return kExitOk;
    }
  }
  if (!opt.seed) opt.seed = random_seed();
  if (!opt.quiet) {
    std::cerr << "tlsfleet: seed " << *opt.seed << " (--seed " << *opt.seed
              << " repeats this order)" << (resume && resume->previous() ? ", resuming" : "")
              << "\n";
  }
  PlanInput input;
  input.arguments = opt.targets;
  input.files = opt.input_files;
  input.ports = opt.ports;
  input.sni = opt.sni;
  input.exclusions = shared.plan_exclusions;
  input.shuffle = true;
  input.seed = *opt.seed;
  input.shard = Shard{opt.shard_index, opt.shard_count};
  if (resume) {
    input.resume = resume->previous();
    input.ledger = &resume->ledger();
  }
  shared.plan = Plan::create(std::move(input), &error);
  if (!shared.plan) {
    std::cerr << "tlsfleet: " << error << "\n";
    return kExitUsage;
  }
  shared.trust_store = tls::TrustStore::open(opt.ca_file, &error);
  if (!shared.trust_store) {
    std::cerr << "tlsfleet: " << error << "\n";
    return kExitUsage;
  }
  shared.sink = resume ? resume->open_output(opt.output, &error)
                       : output::OutputSink::open(opt.output, error);
  if (!shared.sink) {
    std::cerr << "tlsfleet: " << error << "\n";
    return kExitUsage;
  }
  if (opt.rate > 0) shared.rate_limiter = std::make_unique<net::RateLimiter>(opt.rate);

  opt.concurrency = fit_concurrency_to_descriptors(opt.concurrency);
  int threads =
      opt.threads > 0 ? opt.threads : static_cast<int>(std::thread::hardware_concurrency());
  if (threads < 1) threads = 1;
  if (threads > opt.concurrency) threads = opt.concurrency;

  // A checkpoint that cannot be written at all is a usage error, found before scanning.
  if (resume && !resume->save(&error)) {
    std::cerr << "tlsfleet: " << error << "\n";
    return kExitUsage;
  }
  PolitenessOptions polite;
  polite.per_host = opt.per_host;
  polite.per_subnet = opt.per_subnet;
  Politeness politeness(polite);

  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < threads; ++i) {
    // Each worker its own SSL_CTXs in its own OpenSSL library context: with OpenSSL 3.0,
    // workers sharing one set share reference counts and locks on every handshake, which
    // cost two workers about 6% more CPU per endpoint (A/B in docs/PERFORMANCE.md). Each
    // SSL_CTX is built by its worker when a probe first needs it (tls/client_context.h);
    // should OpenSSL refuse one, the probes that need it fail (error code INTERNAL_ERROR).
    auto contexts = tls::make_client_contexts(&error, /*own_library=*/true);
    if (!contexts) {
      std::cerr << "tlsfleet: " << error << "\n";
      return kExitUsage;
    }
    // Spread --concurrency over the workers; the first ones take the remainder.
    int share = opt.concurrency / threads + (i < opt.concurrency % threads ? 1 : 0);
    workers.push_back(std::make_unique<Worker>(shared, std::move(contexts), share, &politeness,
                                               resume ? &resume->ledger() : nullptr));
  }

  // Input is read on a thread of its own from here on; workers that found nothing ready
  // are woken when more arrives (see Plan, "Reading ahead").
  shared.plan->read_ahead([&workers] {
    for (auto& w : workers) w->wake();
  });

  Control control;
  control.shared = &shared;
  control.workers = &workers;
  control.start_ns = uv_hrtime();
  control.show_progress = opt.progress.value_or(isatty(STDERR_FILENO) == 1);
  uv_loop_t loop;
  uv_loop_init(&loop);
  uv_signal_init(&loop, &control.sigint);
  uv_signal_init(&loop, &control.sigterm);
  control.sigint.data = control.sigterm.data = &control;
  uv_signal_start(&control.sigint, &on_signal, SIGINT);
  uv_signal_start(&control.sigterm, &on_signal, SIGTERM);
  uv_timer_init(&loop, &control.progress_timer);
  control.progress_timer.data = &control;
  if (control.show_progress) uv_timer_start(&control.progress_timer, &on_progress, 1000, 1000);
  uv_timer_init(&loop, &control.checkpoint_timer);
  control.checkpoint_timer.data = &control;
  control.resume = resume.get();
  if (resume) uv_timer_start(&control.checkpoint_timer, &on_checkpoint, 1000, 1000);
  uv_async_init(&loop, &control.worker_exited, &on_worker_exited);
  control.worker_exited.data = &control;

  std::vector<std::string> worker_errors(workers.size());
  std::vector<std::thread> pool;
  for (size_t i = 0; i < workers.size(); ++i) {
    pool.emplace_back([&, i] {
      worker_errors[i] = workers[i]->run();
      control.exited.fetch_add(1);
      uv_async_send(&control.worker_exited);
    });
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  for (auto& t : pool) t.join();
  // Before the workers, the resume session and the exclusions it reads go away.
  shared.plan->stop();
  uv_loop_close(&loop);
  if (control.show_progress) std::cerr << "\r\033[K";

  // A run with no valid target is a usage error: its checkpoint must not say "complete".
  if (resume && shared.plan->valid_targets() > 0) {
    // Before the sink closes the output: the save syncs it first.
    shared.sink->flush();
    save_checkpoint(control);
  }
  bool output_ok = shared.sink->close() && !shared.output_failed;
  for (const std::string& e : worker_errors) {
    if (!e.empty()) {
      std::cerr << "tlsfleet: " << e << "\n";
      return kExitUsage;
    }
  }
  if (!opt.quiet) print_summary(control, workers);
  if (!output_ok) {
    std::cerr << "tlsfleet: " << shared.sink->error() << "\n";
    return kExitOutputError;
  }
  if (control.interrupted_by != 0) return kExitInterrupted;
  if (shared.plan->valid_targets() == 0) {
    std::cerr << "tlsfleet: no valid target to scan\n";
    return kExitUsage;
  }
  if (opt.fail_on) {
    int worst = -1;
    for (const auto& w : workers) worst = std::max(worst, w->stats().worst_severity.load());
    if (worst >= *opt.fail_on) return kExitFailOn;
  }
  return kExitOk;
}

}  // namespace tlsfleet::scanner
