// The trust anchors chain verification uses, built once per scan and shared read-only.
#pragma once

#include <atomic>
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
// instructions to read, some 20 ms here. A scan reads it only once it opens its first
// connection (prefetch()), so a scan that never connects (every name failing DNS) never
// pays for it; and then on a thread of its own, so the connects and handshakes under way
// need not wait: get() waits for it only when a chain is first verified.
class TrustStore {
 public:
  // nullptr and *error when the CA file cannot be used.
  static std::unique_ptr<TrustStore> open(const std::string& ca_file, std::string* error);
  ~TrustStore();  // waits for a load still running
  TrustStore(const TrustStore&) = delete;
  TrustStore& operator=(const TrustStore&) = delete;

  // Starts reading the system store on a thread of its own, once; nothing for a CA file
  // (read already). Any thread may call it.
  void prefetch();
  // True once the store is read or being read.
  bool started() const { return started_.load(std::memory_order_acquire); }

  // The store, shared read-only by every thread; the first call waits for the background
  // load. nullptr when the system store could not be loaded (said once on stderr; every
  // chain is then untrusted).
  X509_STORE* get();

 private:
  TrustStore() = default;

  std::once_flag start_once_;
  std::once_flag once_;
  std::atomic<bool> started_{false};
  bool system_ = false;                // the system store, read on prefetch()
  std::future<X509StorePtr> loading_;  // valid until get() took its result
  std::string error_;                  // written by the loader before its result is ready
  X509StorePtr store_;
};

}  // namespace tlsfleet::tls
