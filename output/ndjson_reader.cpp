#include "output/ndjson_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>

namespace tlsfleet::output {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// The string at `e`, or "" when it is null, missing or not a string.
std::string_view text(simdjson::simdjson_result<element> e) {
  std::string_view value;
  if (e.get(value) != simdjson::SUCCESS) return {};
  return value;
}

std::string_view text(const element& e) {
  std::string_view value;
  if (e.get(value) != simdjson::SUCCESS) return {};
  return value;
}

void assign(std::string& to, simdjson::simdjson_result<element> e) { to.assign(text(e)); }
void assign(std::string& to, const element& e) { to.assign(text(e)); }

bool is_blank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

template <typename E>
void read_findings(E e, EndpointSummary& s) {
  array items;
  if (e.get(items) != simdjson::SUCCESS) return;
  for (element item : items) {
    if (!item.is_object()) continue;
    FindingSummary& f = s.findings.emplace_back();
    assign(f.id, item["id"]);
    assign(f.severity, item["severity"]);
    assign(f.cause, item["cause"]);
    assign(f.detail, item["detail"]);
  }
}

void read_protocols(simdjson::simdjson_result<element> e, EndpointSummary& s) {
  object versions;
  if (e.get(versions) != simdjson::SUCCESS) return;
  s.has_protocols = true;
  for (auto field : versions) {
    bool accepted = false;
    if (field.value.get(accepted) == simdjson::SUCCESS) {
      s.protocols.emplace_back(std::string(field.key), accepted);
    }
  }
}

void read_ciphers(simdjson::simdjson_result<element> e, EndpointSummary& s) {
  object versions;
  if (e.get(versions) != simdjson::SUCCESS) return;
  s.has_ciphers = true;
  for (auto field : versions) {
    auto& [version, suites] =
        s.ciphers.emplace_back(std::string(field.key), std::vector<std::string>{});
    array names;
    if (field.value.get(names) != simdjson::SUCCESS) continue;
    for (element name : names) {
      std::string_view suite;
      if (name.get(suite) == simdjson::SUCCESS) suites.emplace_back(suite);
    }
  }
}

void read_days_left(simdjson::simdjson_result<element> e, EndpointSummary& s) {
  int64_t days = 0;
  if (e.get(days) == simdjson::SUCCESS) s.days_left = days;
}

void lower_hex(std::string& hex) {
  for (char& c : hex) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
}

// A native record (SCHEMA.md). One pass over the top-level members.
bool read_native(object root, EndpointSummary& s, std::string* reason) {
  bool has_port = false, has_status = false;
  for (auto field : root) {
    const std::string_view key = field.key;
    const element value = field.value;
    if (key == "ts") {
      assign(s.ts, value);
    } else if (key == "target") {
      assign(s.target, value);
    } else if (key == "host") {
      assign(s.host, value);
    } else if (key == "ip") {
      assign(s.key.ip, value);
    } else if (key == "port") {
      int64_t port = 0;
      has_port = value.get(port) == simdjson::SUCCESS && port >= 0 && port <= 65535;
      s.key.port = static_cast<uint16_t>(port);
    } else if (key == "sni") {
      assign(s.key.sni, value);
    } else if (key == "status") {
      assign(s.status, value);
      has_status = !s.status.empty();
    } else if (key == "error") {
      assign(s.error_code, value["code"]);
    } else if (key == "tls" && value.is_object()) {
      assign(s.version, value["version"]);
      assign(s.cipher, value["cipher"]);
      read_protocols(value["protocols"], s);
      read_ciphers(value["ciphers"], s);
    } else if (key == "cert" && value.is_object()) {
      s.has_cert = true;
      assign(s.cert_sha256, value["sha256"]);
      lower_hex(s.cert_sha256);
      assign(s.cert_subject, value["subject"]);
      assign(s.cert_issuer, value["issuer"]);
      assign(s.cert_not_after, value["not_after"]);
      read_days_left(value["days_left"], s);
    } else if (key == "findings") {
      read_findings(value, s);
    }
  }
  if (!has_port || !has_status) {
    *reason = "not a tlsfleet record (no port or status)";
    return false;
  }
  return true;
}

// "tls" + "1.3" -> "TLSv1.3", "ssl" + "3.0" -> "SSLv3": the inverse of the ECS mapping.
std::string native_version(std::string_view protocol, std::string_view version) {
  if (version.empty()) return {};
  if (protocol == "ssl") {
    const std::size_t dot = version.find('.');
    return "SSLv" + std::string(version.substr(0, dot));
  }
  return "TLSv" + std::string(version);
}

// An --format ecs record (docs/ECS.md), mapped back to the native facts.
bool read_ecs(element root, EndpointSummary& s, std::string* reason) {
  s.from_ecs = true;
  assign(s.ts, root["@timestamp"]);
  assign(s.key.ip, root.at_pointer("/server/ip"));
  assign(s.host, root.at_pointer("/server/domain"));
  assign(s.key.sni, root.at_pointer("/tls/client/server_name"));
  assign(s.error_code, root.at_pointer("/error/code"));
  s.version = native_version(text(root.at_pointer("/tls/version_protocol")),
                             text(root.at_pointer("/tls/version")));
  assign(s.cipher, root.at_pointer("/tls/cipher"));
  const auto server = root.at_pointer("/tls/server");
  if (server.at_pointer("/hash/sha256").error() == simdjson::SUCCESS) {
    s.has_cert = true;
    assign(s.cert_sha256, server.at_pointer("/hash/sha256"));
    lower_hex(s.cert_sha256);
    assign(s.cert_subject, server.at_pointer("/x509/subject/distinguished_name"));
    assign(s.cert_issuer, server.at_pointer("/x509/issuer/distinguished_name"));
    assign(s.cert_not_after, server.at_pointer("/x509/not_after"));
  }
  const auto ours = root["tlsfleet"];
  assign(s.target, ours["target"]);
  read_days_left(ours.at_pointer("/cert/days_left"), s);
  read_protocols(ours.at_pointer("/tls/protocols"), s);
  read_ciphers(ours.at_pointer("/tls/ciphers"), s);
  read_findings(ours["findings"], s);
  int64_t port = -1;
  const bool has_port =
      root.at_pointer("/server/port").get(port) == simdjson::SUCCESS && port >= 0 && port <= 65535;
  s.key.port = static_cast<uint16_t>(port);
  assign(s.status, ours["status"]);
  const bool has_status = !s.status.empty();
  if (!has_port || !has_status) {
    *reason = "not a tlsfleet ECS record (no server.port or tlsfleet.status)";
    return false;
  }
  return true;
}

void clear(EndpointSummary& s) {
  s.key.ip.clear();
  s.key.port = 0;
  s.key.sni.clear();
  s.key.name.clear();
  for (std::string* field :
       {&s.ts, &s.target, &s.host, &s.status, &s.error_code, &s.version, &s.cipher, &s.cert_sha256,
        &s.cert_subject, &s.cert_issuer, &s.cert_not_after}) {
    field->clear();
  }
  s.has_cert = s.has_protocols = s.has_ciphers = s.from_ecs = false;
  s.days_left = 0;
  s.protocols.clear();
  s.ciphers.clear();
  s.findings.clear();
}

}  // namespace

NdjsonReader::NdjsonReader() : buffer_(new char[kMaxLineBytes + simdjson::SIMDJSON_PADDING]) {}

NdjsonReader::~NdjsonReader() {
  if (owns_fd_) ::close(fd_);
}

bool NdjsonReader::open(const std::string& path, std::string* error) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
    return true;
  }
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  owns_fd_ = true;
  posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  return true;
}

bool NdjsonReader::fill() {
  if (begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  while (end_ < kMaxLineBytes) {
    const ssize_t n = ::read(fd_, buffer_.get() + end_, kMaxLineBytes - end_);
    if (n > 0) {
      end_ += static_cast<std::size_t>(n);
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) stats_.io_error = std::string("read error: ") + std::strerror(errno);
    eof_ = true;
    return false;
  }
  return false;  // full: the caller has a line longer than the buffer
}

NdjsonReader::LineKind NdjsonReader::next_line(std::string_view* line) {
  last_unterminated_ = false;
  bool too_long = false;
  for (;;) {
    char* start = buffer_.get() + begin_;
    auto* newline =
        static_cast<char*>(std::memchr(start + scanned_, '\n', end_ - begin_ - scanned_));
    if (newline) {
      *line = std::string_view(start, static_cast<std::size_t>(newline - start));
      begin_ += line->size() + 1;
      scanned_ = 0;
      ++stats_.lines;
      return too_long ? LineKind::kTooLong : LineKind::kLine;
    }
    scanned_ = end_ - begin_;
    if (scanned_ == kMaxLineBytes) {
      // No newline in a full buffer: drop what we have and keep skipping to the next one.
      too_long = true;
      begin_ = end_ = scanned_ = 0;
    }
    if (!eof_ && fill()) continue;
    // The end of the input: what is left is a last line without its newline.
    if (begin_ == end_ && !too_long) return LineKind::kEnd;
    *line = std::string_view(buffer_.get() + begin_, end_ - begin_);
    begin_ = end_;
    scanned_ = 0;
    last_unterminated_ = true;
    ++stats_.lines;
    return too_long ? LineKind::kTooLong : LineKind::kLine;
  }
}

void NdjsonReader::malformed(std::string reason) {
  ++stats_.malformed;
  if (stats_.first_malformed.size() < ReadStats::kMaxExamples) {
    stats_.first_malformed.push_back({stats_.lines, std::move(reason)});
  }
}

bool NdjsonReader::next(EndpointSummary& summary) {
  for (;;) {
    std::string_view line;
    const LineKind kind = next_line(&line);
    if (kind == LineKind::kEnd) return false;
    if (kind == LineKind::kTooLong) {
      malformed("longer than " + std::to_string(kMaxLineBytes) + " bytes");
      continue;
    }
    if (is_blank(line)) continue;
    // The line sits inside buffer_, which has SIMDJSON_PADDING bytes past its end, so it
    // is parsed in place.
    element root;
    const auto error =
        parser_.parse(reinterpret_cast<const uint8_t*>(line.data()), line.size(), false).get(root);
    if (error != simdjson::SUCCESS) {
      malformed(last_unterminated_
                    ? "truncated: the file ends inside this line"
                    : std::string("not JSON (") + simdjson::error_message(error) + ")");
      continue;
    }
    if (!root.is_object()) {
      malformed("not a JSON object");
      continue;
    }
    clear(summary);
    summary.line = stats_.lines;
    std::string reason;
    const bool ok = root["@timestamp"].error() == simdjson::SUCCESS
                        ? read_ecs(root, summary, &reason)
                        : read_native(root.get_object().value_unsafe(), summary, &reason);
    if (!ok) {
      malformed(std::move(reason));
      continue;
    }
    if (summary.key.ip.empty()) {
      summary.key.name = summary.host.empty() ? summary.target : summary.host;
    }
    ++stats_.records;
    return true;
  }
}

bool read_scan_file(const std::string& path, ScanFile& out, std::string* error) {
  NdjsonReader reader;
  if (!reader.open(path, error)) return false;
  std::unordered_map<EndpointKey, std::size_t, EndpointKeyHash> index;
  EndpointSummary summary;
  while (reader.next(summary)) {
    auto [it, inserted] = index.try_emplace(summary.key, out.endpoints.size());
    if (inserted) {
      out.endpoints.push_back(summary);
    } else {
      out.endpoints[it->second] = summary;
      ++out.duplicates;
    }
  }
  out.stats = reader.stats();
  return true;
}

std::string describe_malformed(const ReadStats& stats) {
  if (stats.malformed == 0) return {};
  std::string text = std::to_string(stats.malformed) + " malformed line" +
                     (stats.malformed == 1 ? "" : "s") + " skipped (";
  for (std::size_t i = 0; i < stats.first_malformed.size(); ++i) {
    if (i > 0) text += "; ";
    text += "line " + std::to_string(stats.first_malformed[i].line) + ": " +
            stats.first_malformed[i].reason;
  }
  if (stats.malformed > stats.first_malformed.size()) text += "; ...";
  return text + ")";
}

}  // namespace tlsfleet::output
