// The trust anchors chain verification uses, built once per scan and shared read-only.
#pragma once

#include <future>
#include <memory>
#include <mutex>
#include <string>

#include "tls/ossl_ptr.h"

namespace tlsfleet::tls {

// Loads the PEM bundle at ca_file, or the system store (OpenSSL's default paths) when
// ca_file is empty. Returns nullptr and sets *error when the file cannot be read or holds
// no certificate.
X509StorePtr load_trust_store(const std::string& ca_file, std::string* error);

// A scan's trust store. A CA file is read at once, so a bad one is an error before anything
// is scanned. The system store (144 certificates on Debian 12) takes OpenSSL about 194 M
// instructions to read, some 20 ms here, before which a scan's first lookups and connects
// need not wait: it is read on a thread of its own, and get() waits for it only when a
// chain is first verified.
class TrustStore {
 public:
  // nullptr and *error when the CA file cannot be used.
  static std::unique_ptr<TrustStore> open(const std::string& ca_file, std::string* error);
  ~TrustStore();  // waits for a load still running
  TrustStore(const TrustStore&) = delete;
  TrustStore& operator=(const TrustStore&) = delete;

  // The store, shared read-only by every thread; the first call waits for the background
  // load. nullptr when the system store could not be loaded (said once on stderr; every
  // chain is then untrusted).
  X509_STORE* get();

 private:
  TrustStore() = default;

  std::once_flag once_;
  std::future<X509StorePtr> loading_;  // valid until get() took its result
  std::string error_;                  // written by the loader before its result is ready
  X509StorePtr store_;
};

}  // namespace tlsfleet::tls
