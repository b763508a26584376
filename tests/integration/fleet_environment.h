// The local test fleet as the integration tests see it: started once for the whole run by
// the environment in fleet_environment.cpp (tests/integration/fleet.sh start), described by
// the KEY=VALUE lines of its fleet.env, stopped at the end.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace tlsfleet::integration {

class Fleet {
 public:
  explicit Fleet(std::map<std::string, std::string> env) : env_(std::move(env)) {}

  // The fleet.env value of key; adds a test failure when there is none.
  std::string value(const std::string& key) const;

  // Per scenario (valid, valid2, expired, notyet, selfsigned, wrongname, noint, misordered,
  // weakkey, haproxy, plaintext, closed, silent): FLEET_<SCENARIO>_<FIELD>.
  std::string ip(const std::string& scenario) const { return field(scenario, "IP"); }
  std::string host(const std::string& scenario) const { return field(scenario, "HOST"); }
  std::string sha256(const std::string& scenario) const { return field(scenario, "SHA256"); }
  std::string serial(const std::string& scenario) const { return field(scenario, "SERIAL"); }
  // The name the scenario's certificate was issued for (wrongname's is elsewhere.test).
  std::string cert_name(const std::string& scenario) const { return field(scenario, "CERT_NAME"); }

  std::string dir() const { return value("FLEET_DIR"); }
  std::string net() const { return value("FLEET_NET"); }  // "127.84.0"
  std::string port() const { return value("FLEET_PORT"); }
  std::string cidr() const { return value("FLEET_CIDR"); }
  std::string resolver() const { return value("FLEET_RESOLVER"); }
  std::string ca_file() const { return value("FLEET_CA"); }
  std::string intermediate_sha256() const { return value("FLEET_INTERMEDIATE_SHA256"); }
  std::string root_sha256() const { return value("FLEET_ROOT_SHA256"); }

 private:
  std::string field(const std::string& scenario, const std::string& what) const;
  std::map<std::string, std::string> env_;
};

// The running fleet; only valid inside a test (the environment set it up).
const Fleet& fleet();

// The tlsfleet binary under test ($TLSFLEET_BIN).
const std::string& tlsfleet_binary();

// The variable's value, or fallback when it is unset or empty.
std::string env_or(const char* name, const std::string& fallback);
// KEY=VALUE lines of an env file (fleet.env, hostile.env); blank and '#' lines skipped.
std::map<std::string, std::string> read_env_file(const std::filesystem::path& path);

}  // namespace tlsfleet::integration
