// The JSON writer and the native record on arbitrary strings and numbers: every field an
// EndpointResult carries from the network (names, SANs, error details, alert texts) is
// filled from the input, and the line append_native_record writes must be exactly one
// line that reparses with simdjson as one object whose strings round-trip (abort
// otherwise). Strings that are valid UTF-8 without U+2028/9 must come back unchanged.
#include <fuzzer/FuzzedDataProvider.h>
#include <simdjson.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "output/native_record.h"

namespace {

using tlsfleet::scanner::EndpointResult;

std::optional<std::string> maybe(FuzzedDataProvider& in) {
  if (!in.ConsumeBool()) return std::nullopt;
  return in.ConsumeRandomLengthString(256);
}

std::vector<std::string> strings(FuzzedDataProvider& in) {
  std::vector<std::string> out(in.ConsumeIntegralInRange<size_t>(0, 8));
  for (auto& s : out) s = in.ConsumeRandomLengthString(128);
  return out;
}

EndpointResult make_result(FuzzedDataProvider& in) {
  EndpointResult r;
  r.finished_unix_ms = in.ConsumeIntegral<int64_t>();
  r.target = in.ConsumeRandomLengthString(256);
  r.host = maybe(in);
  r.ip = maybe(in);
  r.port = in.ConsumeIntegral<uint16_t>();
  r.sni = maybe(in);
  r.status = static_cast<tlsfleet::scanner::Status>(in.ConsumeIntegralInRange<int>(0, 6));
  if (in.ConsumeBool()) {
    tlsfleet::scanner::EndpointError e;
    e.stage = static_cast<tlsfleet::scanner::ErrorStage>(in.ConsumeIntegralInRange<int>(0, 2));
    e.code = in.ConsumeRandomLengthString(64);
    e.detail = in.ConsumeRandomLengthString(512);
    r.error = e;
  }
  if (in.ConsumeBool()) r.timing.dns_ms = in.ConsumeFloatingPoint<double>();
  if (in.ConsumeBool()) r.timing.connect_ms = in.ConsumeFloatingPoint<double>();
  r.timing.total_ms = in.ConsumeFloatingPoint<double>();
  if (in.ConsumeBool()) {
    tlsfleet::scanner::TlsInfo t;
    t.version = in.ConsumeRandomLengthString(16);
    t.cipher = in.ConsumeRandomLengthString(64);
    t.group = maybe(in);
    t.alpn = maybe(in);
    if (in.ConsumeBool()) t.default_cert_sha256 = in.ConsumeRandomLengthString(64);
    t.default_cert_probed = in.ConsumeBool();
    r.tls = t;
  }
  if (in.ConsumeBool()) {
    tlsfleet::tls::CertInfo c;
    c.subject = in.ConsumeRandomLengthString(256);
    c.issuer = in.ConsumeRandomLengthString(256);
    c.serial = in.ConsumeRandomLengthString(40);
    c.not_after = in.ConsumeRandomLengthString(32);
    c.days_left = in.ConsumeIntegral<int64_t>();
    c.san = strings(in);
    c.key.type = in.ConsumeRandomLengthString(16);
    c.key.bits = in.ConsumeIntegral<int>();
    c.key.curve = maybe(in);
    c.sig_alg = in.ConsumeRandomLengthString(64);
    r.cert = c;
  }
  if (in.ConsumeBool()) {
    tlsfleet::tls::ChainInfo ch;
    for (const std::string& s : strings(in)) {
      tlsfleet::tls::ServedCert served;
      served.subject = served.issuer = served.not_after = s;
      served.sha256 = in.ConsumeRandomLengthString(64);
      ch.served.push_back(std::move(served));
    }
    ch.verify_error = maybe(in);
    r.chain = ch;
  }
  size_t findings = in.ConsumeIntegralInRange<size_t>(0, 4);
  for (size_t i = 0; i < findings; ++i) {
    tlsfleet::scanner::Finding f;
    f.id = in.ConsumeRandomLengthString(32);
    f.severity = static_cast<tlsfleet::scanner::Severity>(in.ConsumeIntegralInRange<int>(0, 4));
    f.cause = in.ConsumeRandomLengthString(32);
    f.detail = in.ConsumeRandomLengthString(256);
    f.fix = in.ConsumeRandomLengthString(128);
    r.findings.push_back(f);
  }
  r.connections = in.ConsumeIntegral<int>();
  return r;
}

// Valid UTF-8 (simdjson's validator) with no U+2028/U+2029, which the writer escapes.
bool plain_utf8(const std::string& s) {
  return simdjson::validate_utf8(s.data(), s.size()) &&
         s.find("\xE2\x80\xA8") == std::string::npos && s.find("\xE2\x80\xA9") == std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  EndpointResult result = make_result(in);
  std::string line = "kept\n";  // what the buffer already holds stays
  tlsfleet::output::append_native_record(result, line);
  if (line.compare(0, 5, "kept\n") != 0) std::abort();
  std::string_view record(line.data() + 5, line.size() - 5);
  if (record.empty() || record.back() != '\n') std::abort();
  if (record.find('\n') != record.size() - 1) std::abort();  // exactly one line

  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(record.data(), record.size() - 1).get(root)) std::abort();
  if (root.type() != simdjson::dom::element_type::OBJECT) std::abort();
  std::string_view target;
  if (root["target"].get(target)) std::abort();
  if (plain_utf8(result.target) && target != result.target) std::abort();
  if (result.cert) {
    simdjson::dom::array san;
    if (root["cert"]["san"].get(san)) std::abort();
    if (san.size() != result.cert->san.size()) std::abort();
  }
  return 0;
}
