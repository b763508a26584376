#include "tls/chain_analysis.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <vector>

#include "tls/cert_analysis.h"
#include "tls/ossl_ptr.h"

namespace tlsfleet::tls {
namespace {

// Verification failures of a hostile chain are findings, not errors of the caller's: drop
// whatever OpenSSL queued while we looked.
class ErrorQueueMark {
 public:
  ErrorQueueMark() { ERR_set_mark(); }
  ~ErrorQueueMark() { ERR_pop_to_mark(); }
  ErrorQueueMark(const ErrorQueueMark&) = delete;
  ErrorQueueMark& operator=(const ErrorQueueMark&) = delete;
};

struct Verification {
  X509StoreCtxPtr ctx;  // kept for its built chain; borrows leaf, untrusted and store
  bool trusted = false;
  int error = X509_V_ERR_UNSPECIFIED;
};

// One X509_verify_cert as a TLS client runs it. at_unix set: check validity at that time;
// unset: ignore validity periods altogether.
Verification verify(X509* leaf, STACK_OF(X509) * untrusted, X509_STORE* store,
                    std::optional<int64_t> at_unix) {
  Verification v;
  v.ctx.reset(X509_STORE_CTX_new());
  if (!v.ctx || X509_STORE_CTX_init(v.ctx.get(), store, leaf, untrusted) != 1) return v;
  // The same defaults libssl applies on the client side: serverAuth purpose and trust.
  X509_STORE_CTX_set_default(v.ctx.get(), "ssl_server");
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(v.ctx.get());
  if (at_unix) {
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(*at_unix));
  } else {
    // USE_CHECK_TIME wins over NO_CHECK_TIME in OpenSSL's time check, so clear it too.
    X509_VERIFY_PARAM_clear_flags(param, X509_V_FLAG_USE_CHECK_TIME);
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_NO_CHECK_TIME);
  }
  v.trusted = X509_verify_cert(v.ctx.get()) == 1;
  v.error = X509_STORE_CTX_get_error(v.ctx.get());
  // An internal failure (allocation) leaves no verify error; it still is not trust.
  if (v.trusted) {
    v.error = X509_V_OK;
  } else if (v.error == X509_V_OK) {
    v.error = X509_V_ERR_UNSPECIFIED;
  }
  return v;
}

bool issuer_missing(int error) {
  return error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
         error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
         error == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
}

VerifyOutcome classify(int error) {
  switch (error) {
    case X509_V_OK:
      return VerifyOutcome::kTrusted;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return VerifyOutcome::kExpired;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return VerifyOutcome::kNotYetValid;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      return VerifyOutcome::kSelfSigned;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return VerifyOutcome::kUntrustedRoot;
    default:
      return issuer_missing(error) ? VerifyOutcome::kIncomplete : VerifyOutcome::kOther;
  }
}

bool was_served(X509* cert, const std::vector<X509*>& served) {
  for (X509* s : served) {
    if (X509_cmp(s, cert) == 0) return true;
  }
  return false;
}

// Complete when nothing was missing and every certificate between the leaf and the top
// of the built chain was sent by the server. OpenSSL looks in the store first (trusted
// first), so a served intermediate may appear as the store's copy: compare by content.
// The top itself may come from the store: it is then the anchor (or the search for its
// issuer failed, which issuer_missing already caught).
bool chain_complete(const Verification& v, const std::vector<X509*>& served) {
  if (!v.ctx || issuer_missing(v.error)) return false;
  STACK_OF(X509)* built = X509_STORE_CTX_get0_chain(v.ctx.get());
  const int n = built != nullptr ? sk_X509_num(built) : 0;
  if (n == 0) return false;
  for (int i = 1; i < n - 1; ++i) {
    if (!was_served(sk_X509_value(built, i), served)) return false;
  }
  return true;
}

bool chain_ordered(const std::vector<X509*>& served) {
  for (size_t i = 0; i + 1 < served.size(); ++i) {
    if (X509_check_issued(served[i + 1], served[i]) != X509_V_OK) return false;
  }
  return true;
}

// 1 match, 0 mismatch; OpenSSL's negative answers (malformed input) decide nothing.
std::optional<bool> match_result(int rc) {
  if (rc == 1) return true;
  if (rc == 0) return false;
  return std::nullopt;
}

std::optional<bool> name_match(X509* leaf, const std::optional<std::string>& host,
                               const std::optional<std::string>& ip) {
  if (host) {
    std::string name = *host;
    // "example.com." is the same DNS name; certificates never carry the root dot.
    if (!name.empty() && name.back() == '.') name.pop_back();
    if (name.empty()) return std::nullopt;
    return match_result(X509_check_host(leaf, name.data(), name.size(), 0, nullptr));
  }
  if (ip) return match_result(X509_check_ip_asc(leaf, ip->c_str(), 0));
  return std::nullopt;
}

}  // namespace

ChainInfo analyze_chain(STACK_OF(X509) * served, X509_STORE* trust,
                        const std::optional<std::string>& host,
                        const std::optional<std::string>& ip, int64_t now_unix) {
  ErrorQueueMark mark;
  ChainInfo info;
  std::vector<X509*> certs;
  const int count = served != nullptr ? sk_X509_num(served) : 0;
  for (int i = 0; i < count; ++i) {
    if (X509* cert = sk_X509_value(served, i)) certs.push_back(cert);
  }
  for (X509* cert : certs) info.served.push_back(describe_served_cert(cert));
  info.ordered = chain_ordered(certs);
  if (certs.empty()) {
    info.verify_error = "no certificate was served";
    return info;
  }
  X509* leaf = certs.front();
  info.hostname_match = name_match(leaf, host, ip);

  X509StorePtr empty_store;
  if (trust == nullptr) {
    empty_store.reset(X509_STORE_new());
    trust = empty_store.get();
  }
  // Our own view of the intermediates: verification never touches the caller's stack.
  X509StackBorrowPtr untrusted(sk_X509_new_null());
  if (!untrusted || !trust) {
    info.verify_error = X509_verify_cert_error_string(X509_V_ERR_OUT_OF_MEM);
    return info;
  }
  for (size_t i = 1; i < certs.size(); ++i) {
    if (sk_X509_push(untrusted.get(), certs[i]) <= 0) {
      info.verify_error = X509_verify_cert_error_string(X509_V_ERR_OUT_OF_MEM);
      return info;
    }
  }

  Verification at_now = verify(leaf, untrusted.get(), trust, now_unix);
  info.trusted = at_now.trusted;
  info.outcome = classify(at_now.error);
  if (!info.trusted) info.verify_error = X509_verify_cert_error_string(at_now.error);

  // The leaf's description already holds its self-signed check (X509_self_signed).
  if (info.served.front().self_signed) {
    info.complete = true;  // nothing above a self-signed leaf could have been sent
  } else if (at_now.trusted) {
    info.complete = chain_complete(at_now, certs);
  } else {
    // The verdict at now_unix ends at its first error, which may be a time error; a second
    // verification that ignores validity periods judges completeness alone, so an
    // expired chain can still be complete.
    info.complete = chain_complete(verify(leaf, untrusted.get(), trust, std::nullopt), certs);
  }
  return info;
}

}  // namespace tlsfleet::tls
