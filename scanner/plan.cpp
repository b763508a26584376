#include "scanner/plan.h"

#include <iostream>

namespace tlsfleet::scanner {

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

bool Plan::load_next_target() {
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
      current_ = std::move(std::get<net::Target>(parsed));
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
      current_ = std::move(*target);
      return true;
    }
    reader_.reset();
  }
}

bool Plan::next_item(WorkItem& out) {
  while (true) {
    if (!current_) {
      if (!load_next_target()) return false;
      ++valid_targets_;
      current_ports_ = ports_for(*current_);
      address_index_ = 0;
      port_index_ = 0;
      if (current_->kind == net::TargetKind::kName) {
        counted_ += current_ports_.size();
        LookupSpec lookup{current_->text, current_->host, current_ports_, current_->host};
        current_.reset();
        out = std::move(lookup);
        return true;
      }
      counted_ += current_->range.size() * current_ports_.size();
    }
    const net::Target& t = *current_;
    if (address_index_ >= t.range.size() || current_ports_.empty()) {
      current_.reset();
      continue;
    }
    net::IpAddress ip = t.range.at(address_index_);
    uint16_t port = current_ports_[port_index_];
    if (++port_index_ == current_ports_.size()) {
      port_index_ = 0;
      ++address_index_;
      // A /0 of IPv6 saturates size(); stop at the last index instead of wrapping.
      if (address_index_ == 0) current_.reset();
    }
    if (input_.exclusions && input_.exclusions->contains(ip)) continue;
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
}

bool Plan::next_batch(std::vector<WorkItem>& out, size_t max) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (exhausted_) return false;
  for (size_t i = 0; i < max; ++i) {
    WorkItem item;
    if (!next_item(item)) {
      exhausted_ = true;
      break;
    }
    out.push_back(std::move(item));
  }
  return !out.empty() || !exhausted_;
}

Plan::Count Plan::count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {counted_, exhausted_};
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
