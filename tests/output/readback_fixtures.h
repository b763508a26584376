// Scan records and scan files for the tests of the readers (NDJSON reader, diff, report):
// EndpointResults written by the real record writers into temporary files.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "output/ecs_record.h"
#include "output/native_record.h"
#include "scanner/endpoint_result.h"

namespace tlsfleet::output::testing {

inline constexpr int64_t kFinished = 1795802400123;  // 2026-11-27T18:00:00.123Z
inline constexpr int64_t kNow = 1795802400;          // the same second, for reports

// A completed handshake with a leaf valid until not_after.
inline scanner::EndpointResult ok_result(const std::string& name, const std::string& ip,
                                         const std::string& sha256_char = "a",
                                         const std::string& not_after = "2027-01-01T00:00:00Z") {
  scanner::EndpointResult r;
  r.finished_unix_ms = kFinished;
  r.target = name;
  r.host = name;
  r.ip = ip;
  r.port = 443;
  r.sni = name;
  r.status = scanner::Status::kOk;
  r.timing.total_ms = 12.5;
  scanner::TlsInfo tls;
  tls.version = "TLSv1.3";
  tls.cipher = "TLS_AES_128_GCM_SHA256";
  tls.group = "X25519";
  r.tls = tls;
  tls::CertInfo cert;
  cert.subject = "CN=" + name;
  cert.issuer = "CN=Test CA,O=tlsfleet";
  cert.serial = "0A";
  cert.not_before = "2026-01-01T00:00:00Z";
  cert.not_after = not_after;
  cert.days_left = 35;
  cert.san = {name};
  cert.key.type = "EC";
  cert.key.bits = 256;
  cert.key.curve = "prime256v1";
  cert.sig_alg = "ecdsa-with-SHA256";
  cert.sha256 = std::string(64, sha256_char[0]);
  r.cert = cert;
  tls::ChainInfo chain;
  chain.trusted = true;
  chain.complete = true;
  chain.ordered = true;
  chain.hostname_match = true;
  r.chain = chain;
  r.connections = 1;
  return r;
}

inline scanner::EndpointResult failed_result(const std::string& target, const std::string& ip,
                                             scanner::Status status, const std::string& code) {
  scanner::EndpointResult r;
  r.finished_unix_ms = kFinished;
  r.target = target;
  if (!ip.empty()) r.ip = ip;
  if (ip.empty()) r.host = target;
  r.port = 443;
  r.status = status;
  r.error =
      scanner::EndpointError{status == scanner::Status::kDnsError ? scanner::ErrorStage::kDns
                                                                  : scanner::ErrorStage::kConnect,
                             code, "it failed"};
  r.timing.total_ms = 1;
  return r;
}

inline scanner::Finding finding(const std::string& id, scanner::Severity severity,
                                const std::string& cause) {
  return {id, severity, cause, "detail of " + id, "fix " + id};
}

inline std::string native_lines(const std::vector<scanner::EndpointResult>& results) {
  std::string out;
  for (const auto& r : results) append_native_record(r, out);
  return out;
}

inline std::string ecs_lines(const std::vector<scanner::EndpointResult>& results) {
  std::string out;
  for (const auto& r : results) append_ecs_record(r, out);
  return out;
}

// A file in the temporary directory, removed when the object goes.
class TempFile {
 public:
  explicit TempFile(const std::string& content = "") {
    char name[] = "/tmp/tlsfleet-readback-XXXXXX";
    const int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    if (fd >= 0) close(fd);
    path_ = name;
    write(content);
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  void write(const std::string& content) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << content;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace tlsfleet::output::testing
