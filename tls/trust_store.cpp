#include "tls/trust_store.h"

#include <openssl/err.h>

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
