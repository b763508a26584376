#include "tests/integration/record_expectations.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace tlsfleet::integration {

const char* const kIntermediateSubject = "CN=tlsfleet Test Intermediate CA,O=tlsfleet fleet";
const char* const kRootSubject = "CN=tlsfleet Test Root CA,O=tlsfleet fleet";

std::string leaf_subject(const std::string& common_name) {
  return "CN=" + common_name + ",O=tlsfleet fleet";
}

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return "[" + out + "]";
}

}  // namespace

void expect_finding(const Record& r, const std::string& id, const std::string& cause) {
  auto f = r.finding(id);
  if (!f) {
    ADD_FAILURE() << id << " not among the findings " << joined(r.finding_ids()) << " of "
                  << r.label();
    return;
  }
  EXPECT_EQ(f->cause, cause) << id << " of " << r.label();
}

void expect_no_finding(const Record& r, const std::string& id) {
  EXPECT_FALSE(r.finding(id)) << id << " reported for " << r.label();
}

void expect_no_findings(const Record& r) {
  EXPECT_TRUE(r.finding_ids().empty())
      << "findings " << joined(r.finding_ids()) << " for " << r.label();
}

void expect_served(const Record& r, const std::vector<std::string>& sha256s) {
  int64_t served = r.size("/chain/served");
  ASSERT_EQ(served, static_cast<int64_t>(sha256s.size())) << "chain.served of " << r.label();
  for (size_t i = 0; i < sha256s.size(); ++i) {
    std::string got = r.str("/chain/served/" + std::to_string(i) + "/sha256");
    EXPECT_EQ(normalize_hex(got), normalize_hex(sha256s[i]))
        << "chain.served[" << i << "] of " << r.label();
  }
}

void expect_same_set(std::vector<std::string> actual, std::vector<std::string> expected,
                     const std::string& what) {
  std::sort(actual.begin(), actual.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(actual, expected) << what << ": got " << joined(actual) << ", expected "
                              << joined(expected);
}

void expect_tls13_cipher(const Record& r) {
  static const std::set<std::string> kSuites = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                                "TLS_CHACHA20_POLY1305_SHA256"};
  std::string cipher = r.str("/tls/cipher");
  EXPECT_TRUE(kSuites.count(cipher)) << "tls.cipher \"" << cipher << "\" is not a TLS 1.3 "
                                     << "suite's IANA name, in " << r.label();
}

}  // namespace tlsfleet::integration
