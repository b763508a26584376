// Expectations shared by the integration tests, phrased in the fleet's terms.
#pragma once

#include <string>
#include <vector>

#include "tests/integration/ndjson_record.h"

namespace tlsfleet::integration {

// Distinguished names as fleet.sh writes them, printed in RFC 4514 order (most specific
// attribute first).
std::string leaf_subject(const std::string& common_name);
extern const char* const kIntermediateSubject;
extern const char* const kRootSubject;

// The finding is present, with this cause.
void expect_finding(const Record& r, const std::string& id, const std::string& cause);
void expect_no_finding(const Record& r, const std::string& id);
// findings is the empty array.
void expect_no_findings(const Record& r);

// chain.served holds exactly these certificates (fleet.env fingerprints), in this order.
void expect_served(const Record& r, const std::vector<std::string>& sha256s);

// Same elements, any order.
void expect_same_set(std::vector<std::string> actual, std::vector<std::string> expected,
                     const std::string& what);

// tls.cipher is one of the three suites every TLS 1.3 stack offers by default.
void expect_tls13_cipher(const Record& r);

}  // namespace tlsfleet::integration
