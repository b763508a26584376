#include "scanner/plan.h"

#include <iostream>

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

}  // namespace

std::unique_ptr<Plan> Plan::create(PlanInput input, std::string* error) {
  std::unique_ptr<Plan> plan(new Plan(std::move(input)));
  bool stdin_used = false;
  for (const std::string& path : plan->input_.files) {
    if (path == "-") {
      if (stdin_used) continue;
      stdin_used = true;
      plan->streams_.push_back(&std::cin);
      continue;
    }
    auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*file) {
      *error = "cannot open input file '" + path + "'";
      return nullptr;
    }
    plan->streams_.push_back(file.get());
    plan->files_.push_back(std::move(file));
  }
  return plan;
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
        std::cerr << "tlsfleet: target argument " << index + 1 << " '"
                  << input_.arguments[index] << "' skipped: " << *reason << "\n";
        ++bad_targets_;
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
            ++bad_targets_;
          });
    }
    if (auto target = reader_->next()) {
      out = std::move(*target);
      return true;
    }
    reader_.reset();
  }
}

void Plan::fill_window() {
  const size_t limit = input_.shuffle ? kWindow : 1;
  while (window_.size() < limit && !input_done_) {
    Stream s;
    if (!load_next_target(s.target)) {
      input_done_ = true;
      return;
    }
    ++valid_targets_;
    uint64_t ordinal = targets_read_++;
    s.ports = ports_for(s.target);
    if (s.target.kind == net::TargetKind::kName) {
      s.size = s.ports.empty() ? 0 : 1;
      counted_ += s.ports.size();
    } else {
      s.size = candidates(s.target.range.size(), s.ports.size());
      counted_ += s.size;
      // Each target its own order: the same seed must not walk equal-sized ranges in step.
      if (input_.shuffle && s.size > 1) {
        s.order.emplace(s.size, net::mix64(input_.seed) ^ net::mix64(~ordinal));
      }
    }
    if (s.size > 0) window_.push_back(std::move(s));
  }
}

bool Plan::take_candidate(Stream& s, WorkItem& out) const {
  const net::Target& t = s.target;
  net::u128 index = s.order ? s.order->at(s.next) : s.next;
  ++s.next;
  if (t.kind == net::TargetKind::kName) {
    if (!input_.shard.owns_name(t.host)) return false;
    out = LookupSpec{t.text, t.host, s.ports, t.host};
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
    } else if (window_.size() > 1) {
      window_.push_back(std::move(s));
      window_.pop_front();
    }
    if (!keep) continue;
    if (input_.resume && input_.resume->finished(position)) continue;
    out.position = position;
    if (const auto* lookup = std::get_if<LookupSpec>(&out.item)) {
      handed_out_ += lookup->ports.size();
    } else {
      ++handed_out_;
    }
    return true;
  }
}

bool Plan::next_batch(std::vector<PlannedItem>& out, size_t max) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (exhausted_) return false;
  std::vector<Position> positions;
  for (size_t i = 0; i < max; ++i) {
    PlannedItem item;
    if (!next_item(item)) {
      exhausted_ = true;
      break;
    }
    positions.push_back(item.position);
    out.push_back(std::move(item));
  }
  // Under the plan's lock, so no checkpoint can see the cursor moved past positions that
  // are not yet known to be pending.
  if (input_.ledger) input_.ledger->issued(positions, next_position_, exhausted_);
  return !out.empty() || !exhausted_;
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
