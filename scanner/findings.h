// Findings: the one rules table that turns what was learned about an endpoint into
// SCHEMA.md's findings (id, severity, cause, detail, fix).
#pragma once

#include <cstdint>
#include <vector>

#include "scanner/endpoint_result.h"

namespace tlsfleet::scanner {

struct FindingOptions {
  int expiry_warn_days = 30;  // CERT_EXPIRES_SOON window; 0 or less turns the rule off
  int64_t now_unix = 0;       // the scan's clock: every validity comparison uses it
  // OCSP_NOT_STAPLED is opt-in: most servers do not staple and some CAs have stopped
  // running OCSP, so at basic depth it would be noise on nearly every record.
  bool report_ocsp_not_stapled = false;
};

// Evaluates every rule against r and returns the findings that apply, in the table's
// fixed order (certificate, chain, protocol, cipher, sni, session, OCSP, backend). Each id
// appears at most once; its detail names every instance. A rule fires only when
// the data that decides it is present: a record without `tls`, `cert` or `chain` (or
// without a deeper probe's field) yields no finding about it. Pure: same input, same
// output; r.findings is neither read nor written.
std::vector<Finding> evaluate_findings(const EndpointResult& r, const FindingOptions& o);

}  // namespace tlsfleet::scanner
