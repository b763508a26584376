#include "scanner/plan.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "scanner/input_stream.h"

namespace tlsfleet::scanner {

namespace {

constexpr net::u128 kU128Max = ~static_cast<net::u128>(0);

// addresses x ports, saturating: only an IPv6 block of /16 or wider overflows, and
// nobody lives to see the end of that walk.
net::u128 candidates(net::u128 addresses, size_t ports) {
  if (ports == 0) return 0;
  if (addresses > kU128Max / ports) return kU128Max;
  return addresses * ports;
}

// The endpoints an item stands for: a name is one per port.
net::u128 endpoints_of(const PlannedItem& planned) {
  const auto* lookup = std::get_if<LookupSpec>(&planned.item);
  return lookup ? lookup->ports.size() : 1;
}

}  // namespace

std::unique_ptr<Plan> Plan::create(PlanInput input, std::string* error) {
  std::unique_ptr<Plan> plan(new Plan(std::move(input)));
  bool stdin_used = false;
  for (const std::string& path : plan->input_.files) {
    std::unique_ptr<std::istream> file;
    if (path == "-") {
      if (stdin_used) continue;
      stdin_used = true;
      file = std::make_unique<InputStream>(STDIN_FILENO, false, &plan->stop_);
    } else {
      struct stat st {};
      const bool known = stat(path.c_str(), &st) == 0;
      if (known && S_ISDIR(st.st_mode)) {
        // std::ifstream opens a directory and then throws on the first read.
        *error = "cannot read input file '" + path + "': it is a directory";
        return nullptr;
      }
      if (known && !S_ISREG(st.st_mode)) {
        // A pipe or FIFO (say -i <(generator)): read it the way stdin is read.
        int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
          *error = "cannot open input file '" + path + "': " + std::strerror(errno);
          return nullptr;
        }
        file = std::make_unique<InputStream>(fd, true, &plan->stop_);
      } else {
        file = std::make_unique<std::ifstream>(path, std::ios::binary);
        if (!*file) {
          *error = "cannot open input file '" + path + "'";
          return nullptr;
        }
      }
    }
    plan->streams_.push_back(file.get());
    plan->polled_.push_back(dynamic_cast<InputStream*>(file.get()));
    plan->files_.push_back(std::move(file));
  }
  return plan;
}

Plan::~Plan() { stop(); }

void Plan::read_ahead(std::function<void()> ready, size_t capacity) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (capacity_ != 0 || stop_) return;
  ready_ = std::move(ready);
  capacity_ = capacity > 0 ? capacity : 1;
  reader_thread_ = std::thread([this] { read_loop(); });
}

void Plan::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    exhausted_ = true;
  }
  room_.notify_all();
  if (reader_thread_.joinable()) reader_thread_.join();
}

void Plan::read_loop() {
  std::lock_guard<std::mutex> input_lock(input_mutex_);
  std::vector<PlannedItem> batch;
  batch.reserve(kReadBatch);
  while (true) {
    // A batch is read before the workers' lock is taken, once for all of it. It ends early
    // when the next item needs input that is not there yet (fill_window reads when the
    // window is short), so what was read does not wait with it.
    bool got = true;
    while (batch.size() < kReadBatch) {
      if (!batch.empty() && window_short() && input_would_block()) break;
      PlannedItem item;
      if (!next_item(item)) {
        got = false;
        break;
      }
      batch.push_back(std::move(item));
    }
    bool notify = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      publish_tally();
      // Stopped while reading: what was read is not handed out, and the end it may have
      // seen is not the input's.
      if (stop_) return;
      if (queue_.size() >= capacity_) {
        // Full: wait until the workers have taken half, then refill. Waking for every
        // batch they take cost two context switches per batch (a DNS-only sweep: some
        // 1,500 per 100,000 names).
        room_.wait(lock, [this] { return queue_.size() <= capacity_ / 2 || stop_; });
      }
      if (stop_) return;
      for (PlannedItem& item : batch) {
        handed_out_ += endpoints_of(item);
        queue_.push_back(std::move(item));
      }
      queued_cursor_ = next_position_;
      if (!got) reader_done_ = true;
      notify = starving_;
      starving_ = false;
    }
    batch.clear();
    if (notify && ready_) ready_();
    if (!got) return;
  }
}

bool Plan::window_short() const {
  return !input_done_ && window_.size() < (input_.shuffle ? kWindow : 1);
}

void Plan::publish_tally() {
  valid_targets_ += tally_.valid_targets;
  bad_targets_ += tally_.bad_targets;
  counted_ += tally_.counted;
  tally_ = Tally{};
}

std::vector<uint16_t> Plan::ports_for(const net::Target& t) const {
  if (t.port) return {*t.port};
  return input_.ports;
}

bool Plan::load_next_target(net::Target& out) {
  while (true) {
    if (next_argument_ < input_.arguments.size()) {
      size_t index = next_argument_++;
      auto parsed = net::parse_target(input_.arguments[index]);
      if (auto* reason = std::get_if<std::string>(&parsed)) {
        std::cerr << "tlsfleet: target argument " << index + 1 << " '" << input_.arguments[index]
                  << "' skipped: " << *reason << "\n";
        ++tally_.bad_targets;
        continue;
      }
      out = std::move(std::get<net::Target>(parsed));
      return true;
    }
    if (!reader_) {
      if (next_stream_ >= streams_.size()) return false;
      size_t index = next_stream_++;
      std::string name = input_.files[index];
      reader_ = std::make_unique<net::TargetReader>(
          *streams_[index], [this, name](size_t line, const std::string& reason) {
            std::cerr << "tlsfleet: " << (name == "-" ? "stdin" : name) << ":" << line
                      << ": skipped: " << reason << "\n";
            ++tally_.bad_targets;
          });
    }
    if (auto target = reader_->next()) {
      out = std::move(*target);
      return true;
    }
    reader_.reset();
    std::istream* ended = streams_[next_stream_ - 1];
    if (auto* polled = dynamic_cast<InputStream*>(ended);
        polled && !polled->buffer().error().empty()) {
      const std::string& name = input_.files[next_stream_ - 1];
      std::cerr << "tlsfleet: " << (name == "-" ? "stdin" : name)
                << ": read error: " << polled->buffer().error()
                << "; the rest of this input is not scanned\n";
    }
  }
}

bool Plan::input_would_block() {
  if (next_argument_ < input_.arguments.size()) return false;
  size_t index = reader_ ? next_stream_ - 1 : next_stream_;
  if (index >= streams_.size()) return false;
  InputStream* polled = polled_[index];
  return polled && polled->buffer().would_block();
}

void Plan::fill_window() {
  while (window_short()) {
    // Slow input (a generator on stdin): walk the targets already read rather than wait
    // for a full window. Not with checkpoints, whose positions need the same order each
    // run.
    if (!window_.empty() && !input_.ledger && !input_.resume && input_would_block()) return;
    Stream s;
    if (!load_next_target(s.target)) {
      input_done_ = true;
      return;
    }
    uint64_t ordinal = targets_read_++;
    s.ports = ports_for(s.target);
    net::u128 endpoints;
    if (s.target.kind == net::TargetKind::kName) {
      s.size = s.ports.empty() ? 0 : 1;
      endpoints = s.ports.size();
    } else {
      s.size = candidates(s.target.range.size(), s.ports.size());
      endpoints = s.size;
      // Each target its own order: the same seed must not walk equal-sized ranges in step.
      if (input_.shuffle && s.size > 1) {
        s.order.emplace(s.size, net::mix64(input_.seed) ^ net::mix64(~ordinal));
      }
    }
    ++tally_.valid_targets;
    tally_.counted += endpoints;
    if (s.size > 0) window_.push_back(std::move(s));
  }
}

bool Plan::take_candidate(Stream& s, WorkItem& out) const {
  const net::Target& t = s.target;
  net::u128 index = s.order ? s.order->at(s.next) : s.next;
  ++s.next;
  if (t.kind == net::TargetKind::kName) {
    if (!input_.shard.owns_name(t.host)) return false;
    // A name is one candidate (fill_window), so its stream ends here: its strings and
    // ports move into the item rather than being copied.
    net::Target& name = s.target;
    out = LookupSpec{std::move(name.text), std::move(name.host), std::move(s.ports)};
    return true;
  }
  net::IpAddress ip = t.range.at(index / s.ports.size());
  uint16_t port = s.ports[static_cast<size_t>(index % s.ports.size())];
  if (input_.exclusions && input_.exclusions->contains(ip)) return false;
  if (!input_.shard.owns_endpoint(ip, port)) return false;
  EndpointSpec spec;
  spec.target = t.text;
  spec.ip = ip;
  spec.port = port;
  if (t.kind == net::TargetKind::kNameAtAddress) {
    spec.host = t.host;
    spec.sni = t.host;
  } else {
    spec.sni = input_.sni;
  }
  out = std::move(spec);
  return true;
}

bool Plan::next_item(PlannedItem& out) {
  while (true) {
    fill_window();
    if (window_.empty()) return false;
    Stream& s = window_.front();
    Position position = next_position_++;
    bool keep = take_candidate(s, out.item);
    if (s.next >= s.size) {
      window_.pop_front();
    } else {
      window_.rotate();
    }
    if (!keep) continue;
    if (input_.resume && input_.resume->finished(position)) continue;
    out.position = position;
    return true;
  }
}

bool Plan::next_batch(std::vector<PlannedItem>& out, size_t max) {
  std::vector<Position> positions;  // for the ledger only
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (exhausted_) return false;
    if (capacity_ != 0) {
      size_t before = out.size();
      while (out.size() - before < max && !queue_.empty()) {
        if (input_.ledger) positions.push_back(queue_.front().position);
        out.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (queue_.empty() && reader_done_) exhausted_ = true;
      if (out.size() == before && !exhausted_) starving_ = true;
      // Under the lock the reader queues with, so no checkpoint can see the cursor moved
      // past positions that are not yet known to be pending.
      Position cursor = queue_.empty() ? queued_cursor_ : queue_.front().position;
      if (input_.ledger) input_.ledger->issued(positions, cursor, exhausted_);
      bool more = out.size() > before || !exhausted_;
      // Only what ends the reader's wait is worth a wake-up; with no reader waiting,
      // notify_one returns without a system call.
      const bool wake_reader = queue_.size() <= capacity_ / 2;
      lock.unlock();
      if (wake_reader) room_.notify_one();
      return more;
    }
  }
  std::lock_guard<std::mutex> input_lock(input_mutex_);
  size_t before = out.size();
  bool ended = false;
  for (size_t i = 0; i < max; ++i) {
    PlannedItem item;
    if (!next_item(item)) {
      ended = true;
      break;
    }
    if (input_.ledger) positions.push_back(item.position);
    out.push_back(std::move(item));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  publish_tally();
  for (size_t i = before; i < out.size(); ++i) handed_out_ += endpoints_of(out[i]);
  if (ended || stop_) exhausted_ = true;
  // Under the input lock, so no checkpoint can see the cursor moved past positions that
  // are not yet known to be pending.
  if (input_.ledger) input_.ledger->issued(positions, next_position_, exhausted_);
  return out.size() > before || !exhausted_;
}

bool Plan::next_batch(std::vector<WorkItem>& out, size_t max) {
  std::vector<PlannedItem> planned;
  bool more = next_batch(planned, max);
  for (PlannedItem& p : planned) out.push_back(std::move(p.item));
  return more;
}

Plan::Count Plan::count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (exhausted_) return {handed_out_, true};
  return {counted_ / input_.shard.count, false};
}

size_t Plan::bad_targets() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bad_targets_;
}

size_t Plan::valid_targets() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return valid_targets_;
}

}  // namespace tlsfleet::scanner
