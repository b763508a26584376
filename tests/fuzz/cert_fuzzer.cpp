// Certificate analysis on arbitrary DER: whatever d2i_X509 accepts goes through
// analyze_cert, describe_served_cert and analyze_chain, and the facts they produce must
// make a record that reparses as one JSON object (abort otherwise).
#include <openssl/x509.h>
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "output/native_record.h"
#include "tls/cert_analysis.h"
#include "tls/chain_analysis.h"
#include "tls/ossl_ptr.h"

namespace {

constexpr int64_t kNow = 1795000000;  // a fixed "now" (2026-11-17), for reproducible runs

X509_STORE* empty_store() {
  static tlsfleet::tls::X509StorePtr store(X509_STORE_new());
  return store.get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const unsigned char* p = data;
  tlsfleet::tls::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(size)));
  if (!cert) return 0;

  tlsfleet::scanner::EndpointResult result;
  result.target = "fuzz.test";
  result.host = "fuzz.test";
  result.ip = "127.0.0.1";
  result.port = 443;
  result.cert = tlsfleet::tls::analyze_cert(cert.get(), kNow);
  tlsfleet::tls::ServedCert served = tlsfleet::tls::describe_served_cert(cert.get());

  // The stack borrows the certificate, as the served chain of an SSL does.
  tlsfleet::tls::X509StackBorrowPtr chain(sk_X509_new_null());
  if (!chain) return 0;
  sk_X509_push(chain.get(), cert.get());
  result.chain = tlsfleet::tls::analyze_chain(chain.get(), empty_store(), std::string("fuzz.test"),
                                              std::nullopt, kNow);
  if (result.chain->served.size() != 1) std::abort();
  if (result.chain->served[0].sha256 != served.sha256) std::abort();

  std::string line;
  tlsfleet::output::append_native_record(result, line);
  if (line.empty() || line.back() != '\n') std::abort();
  if (line.find('\n') != line.size() - 1) std::abort();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(line.data(), line.size() - 1).get(root)) std::abort();
  if (root.type() != simdjson::dom::element_type::OBJECT) std::abort();
  return 0;
}
