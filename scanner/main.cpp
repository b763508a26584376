#include <iostream>

#include "scanner/cli.h"

int main(int argc, char** argv) {
  // Targets may stream in on stdin by the million: read it through the stream buffer,
  // not C stdio one getc() at a time.
  std::ios::sync_with_stdio(false);
  return tlsfleet::scanner::run_cli(argc, argv);
}
