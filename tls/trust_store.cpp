#include "tls/trust_store.h"

#include <openssl/err.h>

#include <cstdio>

namespace tlsfleet::tls {

X509StorePtr load_trust_store(const std::string& ca_file, std::string* error) {
  X509StorePtr store(X509_STORE_new());
  if (!store) {
    *error = "out of memory creating the trust store";
    return nullptr;
  }
  ERR_clear_error();
  if (ca_file.empty()) {
    if (X509_STORE_set_default_paths(store.get()) != 1) {
      *error = "cannot load the system trust store";
      return nullptr;
    }
    return store;
  }
  if (X509_STORE_load_file(store.get(), ca_file.c_str()) != 1) {
    *error = "cannot load CA file '" + ca_file + "': no readable PEM certificate";
    ERR_clear_error();
    return nullptr;
  }
  return store;
}

}  // namespace tlsfleet::tls

namespace tlsfleet::tls {

std::unique_ptr<TrustStore> TrustStore::open(const std::string& ca_file, std::string* error) {
  std::unique_ptr<TrustStore> trust(new TrustStore());
  if (!ca_file.empty()) {
    trust->store_ = load_trust_store(ca_file, error);
    if (!trust->store_) return nullptr;
    trust->started_ = true;
    return trust;
  }
  trust->system_ = true;
  return trust;
}

void TrustStore::prefetch() {
  if (started()) return;
  std::call_once(start_once_, [this] {
    if (!system_) return;
    loading_ = std::async(std::launch::async, [this] {
      // OpenSSL's error queue is per thread: clear what this thread leaves behind.
      X509StorePtr store = load_trust_store("", &error_);
      ERR_clear_error();
      return store;
    });
    started_.store(true, std::memory_order_release);
  });
}

TrustStore::~TrustStore() {
  if (loading_.valid()) loading_.wait();
}

X509_STORE* TrustStore::get() {
  prefetch();
  std::call_once(once_, [this] {
    if (!loading_.valid()) return;
    store_ = loading_.get();
    if (!store_)
      std::fprintf(stderr, "tlsfleet: %s; every chain is reported untrusted\n", error_.c_str());
  });
  return store_.get();
}

}  // namespace tlsfleet::tls
