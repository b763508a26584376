// The command line: `tlsfleet scan ...` and friends, parsed with CLI11 into ScanOptions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tlsfleet::scanner {

// Parses argv and runs the chosen subcommand. Returns the process exit status; a bad
// flag or value is reported on stderr and returns 2.
int run_cli(int argc, char** argv);

// "443,8443,9000-9010" -> ports in the order given, each once. nullopt and *error on a
// bad list (empty item, non-number, 0, > 65535, reversed range).
std::optional<std::vector<uint16_t>> parse_port_list(const std::string& text, std::string* error);

}  // namespace tlsfleet::scanner
