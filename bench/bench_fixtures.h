// Inputs the micro-benchmarks share: a small PKI made in memory with the tests' helpers
// (tests/tls/test_pki.h) and EndpointResults built from it by the real analysis code, so
// the findings and record benchmarks run on what a scan would hand them. Header-only, like
// test_pki.h: each benchmark binary that includes it compiles it.
#pragma once

#include <openssl/x509.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "scanner/endpoint_result.h"
#include "tests/tls/test_pki.h"
#include "tls/cert_analysis.h"
#include "tls/chain_analysis.h"
#include "tls/ossl_ptr.h"

namespace tlsfleet::bench {

inline constexpr int64_t kNow = test::kNow;
inline constexpr const char* kHost = "www.example.test";

// Root -> intermediate -> leaves, the shape a public web server serves: an ECDSA P-256
// leaf (what a current deployment uses), an RSA-2048 leaf, and an expired ECDSA leaf.
struct Pki {
  tls::X509Ptr root;
  tls::X509Ptr intermediate;
  tls::X509Ptr ec_leaf;
  tls::X509Ptr rsa_leaf;
  tls::X509Ptr expired_leaf;
  tls::X509StorePtr store;  // trusts root only

  Pki() {
    const test::Keys& k = test::keys();
    root = test::issue(test::root_spec(), k.root.get());
    intermediate =
        test::issue(test::intermediate_spec(), k.intermediate.get(), root.get(), k.root.get());
    test::CertSpec leaf = test::leaf_spec(kHost);
    leaf.ocsp_url = "http://ocsp.example.test/";
    ec_leaf = test::issue(leaf, k.ec_p256.get(), intermediate.get(), k.intermediate.get());
    rsa_leaf = test::issue(leaf, k.leaf.get(), intermediate.get(), k.intermediate.get());
    test::CertSpec expired = leaf;
    expired.not_before = kNow - 400 * test::kDay;
    expired.not_after = kNow - 10 * test::kDay;
    expired_leaf = test::issue(expired, k.ec_p256.get(), intermediate.get(), k.intermediate.get());
    store = test::store_of({root.get()});
  }
};

// Built once per binary: RSA key generation takes a second or two.
inline const Pki& pki() {
  static const Pki p;
  return p;
}

inline scanner::TlsInfo tls13_info() {
  scanner::TlsInfo tls;
  tls.version = "TLSv1.3";
  tls.cipher = "TLS_AES_256_GCM_SHA384";
  tls.group = "X25519";
  tls.alpn = "http/1.1";
  return tls;
}

inline scanner::EndpointResult base_result(const char* ip) {
  scanner::EndpointResult r;
  r.finished_unix_ms = kNow * 1000 + 123;
  r.target = ip;
  r.ip = ip;
  r.port = 443;
  r.sni = kHost;
  r.timing.connect_ms = 0.082;
  r.timing.handshake_ms = 1.734;
  r.timing.total_ms = 1.901;
  r.connections = 1;
  return r;
}

// What basic depth records for a healthy server: leaf + intermediate served, trusted,
// name matching. Analysed by the same functions the scanner calls.
inline scanner::EndpointResult healthy_result() {
  const Pki& p = pki();
  scanner::EndpointResult r = base_result("127.1.0.7");
  r.tls = tls13_info();
  r.cert = tls::analyze_cert(p.ec_leaf.get(), kNow);
  tls::X509StackPtr chain = test::stack_of({p.ec_leaf.get(), p.intermediate.get()});
  r.chain = tls::analyze_chain(chain.get(), p.store.get(), std::string(kHost), std::nullopt, kNow);
  return r;
}

// A server with several things wrong at once: expired leaf, served without its
// intermediate, for another name than the one asked for.
inline scanner::EndpointResult broken_result() {
  const Pki& p = pki();
  scanner::EndpointResult r = base_result("127.1.0.9");
  r.sni = "shop.example.test";
  r.tls = tls13_info();
  r.cert = tls::analyze_cert(p.expired_leaf.get(), kNow);
  tls::X509StackPtr chain = test::stack_of({p.expired_leaf.get()});
  r.chain = tls::analyze_chain(chain.get(), p.store.get(), std::string("shop.example.test"),
                               std::nullopt, kNow);
  return r;
}

// The healthy record with every deeper probe's field filled, the longest line a record
// can be short of hostile input.
inline scanner::EndpointResult full_result() {
  scanner::EndpointResult r = healthy_result();
  scanner::TlsInfo& tls = *r.tls;
  tls.protocols =
      std::map<std::string, bool>{{"SSLv2", false},   {"SSLv3", false},  {"TLSv1.0", false},
                                  {"TLSv1.1", false}, {"TLSv1.2", true}, {"TLSv1.3", true}};
  tls.resumption = scanner::Resumption{true, true};
  tls.sni_required = false;
  tls.default_cert_sha256 = r.cert->sha256;
  tls.default_cert_probed = true;
  tls.ciphers = std::vector<std::pair<std::string, std::vector<std::string>>>{
      {"TLSv1.3",
       {"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"}},
      {"TLSv1.2",
       {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"}}};
  tls.server_preference = true;
  tls.groups = std::vector<std::string>{"X25519", "secp256r1", "X448", "secp521r1", "secp384r1"};
  return r;
}

// A connect that was refused: no tls, cert or chain.
inline scanner::EndpointResult refused_result() {
  scanner::EndpointResult r = base_result("127.1.0.11");
  r.timing.handshake_ms.reset();
  r.timing.total_ms = 0.071;
  r.status = scanner::Status::kConnectError;
  r.error = scanner::EndpointError{scanner::ErrorStage::kConnect, "CONNECTION_REFUSED",
                                   "connect failed: connection refused"};
  return r;
}

}  // namespace tlsfleet::bench
