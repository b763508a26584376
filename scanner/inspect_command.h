// `tlsfleet inspect`: the checks operators run by hand before deploying a certificate
// (openssl x509 -dates, the modulus comparison, openssl verify), on local files, with the
// scan's analysis and findings: dates, whether the key belongs to the certificate, chain
// order and completeness, verification against --ca-file, host name coverage.
//
// Input: --cert holds the leaf first, and may go on with its chain and its key (HAProxy's
// combined PEM); --chain adds certificates served after those; --key names the key when it
// is not in --cert. PEM, or one DER certificate for --cert and --chain.
//
// Output: one NDJSON line on stdout whose `cert`, `chain` and `findings` are exactly what a
// scan record holds for the same certificates (they are cut from a native record, so the
// two never drift apart), plus `key_matches` and the files read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "scanner/endpoint_result.h"

namespace CLI {
class App;
}

namespace tlsfleet::scanner {

struct InspectOptions {
  std::string cert_file;
  std::string key_file;    // empty: a key in cert_file, if any
  std::string chain_file;  // empty: only what follows the leaf in cert_file
  std::string ca_file;     // empty: the system store
  std::string host;        // a name or an address to check the leaf against; empty: none
  int expiry_warn_days = 30;
  std::optional<int> fail_on;  // Severity as int: exit 1 at or above it
  bool quiet = false;          // no summary line on stderr
};

struct InspectResult {
  EndpointResult record;            // target, host, cert, chain and findings filled
  std::optional<bool> key_matches;  // null when no key was given
  std::string key_source;           // the file the key came from, empty when none
  size_t chain_certificates = 0;    // certificates after the leaf
};

// Reads and analyses the files as of now_unix. nullopt and a one-line *error (naming the
// file and what is wrong with it) when a file cannot be read or holds nothing usable.
std::optional<InspectResult> inspect_files(const InspectOptions& options, int64_t now_unix,
                                           std::string* error);

// The NDJSON line (ending in '\n') for a result, as `inspect` prints it.
std::string inspect_record(const InspectResult& result, const InspectOptions& options,
                           int64_t now_unix_ms);

// The top-level member `key` of a one-line JSON object, as the exact text of its value;
// empty when there is none. Strings are skipped whole, so nothing inside them can be
// mistaken for structure.
std::string json_member_text(std::string_view object, std::string_view key);

// Adds the `inspect` subcommand and its flags to app; they fill options.
CLI::App* add_inspect_command(CLI::App& app, InspectOptions& options, std::string& fail_on);

// Runs it: prints the record and returns 0 (1 when --fail-on tripped, 2 on a bad file or
// flag, 3 when stdout cannot be written).
int run_inspect_command(InspectOptions options, const std::string& fail_on);

}  // namespace tlsfleet::scanner
