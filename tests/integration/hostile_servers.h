// The hostile peers (tests/integration/hostile_server.py) as the tests see them: one
// Python process serving garbage, dribbling, resetting, endless and malformed TLS peers,
// openssl s_server with certificates no CA would issue, and a misbehaving DNS server, each
// on its own loopback address. It starts on first use (the first hostile test), once per
// test run, and stops when the run ends.
//
// Addresses: HOSTILE_NET (default 127.88.<second octet of FLEET_NET>, so parallel fleets
// on other FLEET_NETs get their own block), port FLEET_PORT, DNS on HOSTILE_NET.53:5353.
#pragma once

#include <map>
#include <string>

namespace tlsfleet::integration {

class HostileServers {
 public:
  explicit HostileServers(std::map<std::string, std::string> env) : env_(std::move(env)) {}

  // The hostile.env value of key; adds a test failure when there is none.
  std::string value(const std::string& key) const;
  // A behaviour's address: garbage, badrecord, dribble, acceptclose, reset, hugemsg,
  // endless, baddier, badutf8, hrr, weird, manysans, longchain.
  std::string ip(const std::string& behaviour) const;
  std::string port() const { return value("HOSTILE_PORT"); }
  // "ADDR:PORT" of the hostile DNS server (names under hostile.test).
  std::string resolver() const { return value("HOSTILE_RESOLVER"); }
  // An address in the block where nothing listens.
  std::string closed_ip() const { return value("HOSTILE_CLOSED_IP"); }

 private:
  std::map<std::string, std::string> env_;
};

// The hostile servers' address block, "127.88.N" (known before they start).
std::string hostile_net();

// Starts the hostile servers on the first call and returns them; later calls return the
// same ones. nullptr, with the reason in *why, when they could not be started (then on
// every call, without trying again).
const HostileServers* hostile_servers(std::string* why);

}  // namespace tlsfleet::integration
