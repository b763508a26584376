// The trust anchors chain verification uses, built once per scan and shared read-only.
#pragma once

#include <string>

#include "tls/ossl_ptr.h"

namespace tlsfleet::tls {

// Loads the PEM bundle at ca_file, or the system store (OpenSSL's default paths) when
// ca_file is empty. Returns nullptr and sets *error when the file cannot be read or holds
// no certificate.
X509StorePtr load_trust_store(const std::string& ca_file, std::string* error);

}  // namespace tlsfleet::tls
