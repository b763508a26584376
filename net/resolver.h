// Resolver: asynchronous A/AAAA lookups with c-ares, driven by a libuv loop. c-ares
// sockets are watched with one uv_poll each (ARES_OPT_SOCK_STATE_CB) and its timeouts by
// one uv_timer, as node's cares_wrap does; never ares_fds/select. Answers are cached for
// the life of the resolver, so a name asked twice costs one lookup. Names are asked as
// written: the search list of resolv.conf is not applied (its servers and options are).
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/address.h"

namespace tlsfleet::net {

// Why a lookup produced no address.
enum class DnsError {
  kNone,       // addresses found
  kNxdomain,   // the name does not exist
  kNoAddress,  // the name exists but has no A (or AAAA) record
  kServfail,   // the server failed (SERVFAIL)
  kRefused,    // the server refused the query
  kTimeout,    // no answer within --dns-timeout
  kBadName,    // the name is not a valid DNS name
  kOther,      // anything else (detail says what)
};

struct DnsAnswer {
  DnsError error = DnsError::kNone;
  std::string detail;                // c-ares' text for the failure, empty on success
  std::vector<IpAddress> addresses;  // IPv4 first, then IPv6; each once
  std::vector<std::string> names;    // reverse(): the PTR names, lower case, no final dot
};

struct ResolverOptions {
  std::vector<std::string> servers;  // "ADDR" or "ADDR:PORT" or "[v6]:PORT"; empty = system
  double timeout_s = 3.0;            // per lookup, all tries included
  bool ipv6 = false;                 // also ask AAAA
  // DNS queries outstanding at once (a lookup is one query, two with ipv6). Lookups past
  // it wait their turn, and their timeout_s starts when their query goes out. A server
  // flooded with thousands of queries at once drops some (dnsmasq's default socket buffer
  // holds about 250), and every drop costs a retry timeout.
  size_t max_queries = 128;
  // Whether /etc/hosts answers before DNS. c-ares 1.18 opens and parses the file on every
  // lookup. By default only the system's resolvers (servers empty) come with the hosts
  // file; a scan that names its DNS servers (--resolver) gets their answers alone.
  enum class HostsFile { kWithSystemResolver, kAlways, kNever };
  HostsFile hosts_file = HostsFile::kWithSystemResolver;
  // With one server named and the hosts file not read, a name's lookup goes over the
  // resolver's own UDP path (net/dns_udp.h), and to c-ares only when the reply is more
  // than addresses, NXDOMAIN or no data (truncated, SERVFAIL, REFUSED, malformed; a closed
  // port). False: c-ares does every lookup (the tests compare the two).
  bool own_udp = true;
};

class Resolver {
 public:
  using Callback = std::function<void(const DnsAnswer&)>;

  // Returns nullptr and sets *error when c-ares cannot be initialised or a server
  // address is invalid.
  static std::unique_ptr<Resolver> create(uv_loop_t* loop, const ResolverOptions& options,
                                          std::string* error);
  ~Resolver();  // precondition: close() was called and the loop ran its close callbacks
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Starts a lookup; cb runs on the loop thread, exactly once, never inside resolve().
  // Callers asking for the same name (case-insensitively) share one query and its answer.
  // After close(), cb gets kOther "cancelled"; calling it once closed() is true is a
  // misuse, answered the same way but at once.
  void resolve(const std::string& name, Callback cb);
  // Reverse lookup (PTR, ares_gethostbyaddr) of an address, with resolve()'s promises:
  // cb runs once on the loop, answers are cached and identical lookups coalesced, and the
  // same timeout and query budget apply. On success answer.names holds the names (first
  // the one c-ares puts first) and addresses is empty; no PTR record is kNxdomain (or
  // kNoAddress, as the server says).
  void reverse(const IpAddress& address, Callback cb);
  // Cancels pending lookups (their callbacks run with kOther, "cancelled") and closes
  // every libuv handle. Idempotent. The loop must run afterwards to finish closing.
  void close();
  // True once every handle's close callback has run.
  bool closed() const;
  size_t in_flight() const;

  class Impl;

 private:
  explicit Resolver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tlsfleet::net
