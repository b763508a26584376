#include <iostream>

#include "scanner/cli.h"
#include "tls/openssl_memory.h"

int main(int argc, char** argv) {
  // Before OpenSSL allocates anything (tls/openssl_memory.h says why).
  tlsfleet::tls::install_openssl_memory();
  // Targets may stream in on stdin by the million: read it through the stream buffer,
  // not C stdio one getc() at a time.
  std::ios::sync_with_stdio(false);
  return tlsfleet::scanner::run_cli(argc, argv);
}
