// DnsUdp: the resolver's own path for the plain case of a lookup, one UDP question per
// family to one server, which costs a fraction of what c-ares spends on it (no addrinfo
// lists, no per-query allocations; questions sent and replies read up to 32 at a time
// with sendmmsg and recvmmsg, equal-length ones with UDP segmentation offload). It tries twice, as
// c-ares does, and reports a timeout after that. Whatever is not plain comes back as kAskAgain for
// the resolver to hand to c-ares, which handles it all: truncation (TCP), SERVFAIL, REFUSED, a
// malformed reply, a closed port.
//
// Query IDs are drawn from getrandom(), the socket is connected (the kernel drops
// datagrams from any other address and port), and a reply must echo the question: the
// same defences against spoofed answers as c-ares.
#pragma once

#include <sys/socket.h>
#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "net/address.h"
#include "net/dns_message.h"

namespace tlsfleet::net {

class DnsUdp {
 public:
  enum class Outcome { kAddresses, kNoData, kNxdomain, kTimeout, kAskAgain };
  // Questions go out at most this often, each try waiting twice as long as the one before
  // (try_ms, 2 * try_ms), as c-ares 1.18 does with one server.
  static constexpr int kTries = 2;
  // cookie is ask()'s; addresses are IPv4 first, then IPv6 (kAddresses only).
  using Done =
      std::function<void(void* cookie, Outcome outcome, std::vector<IpAddress>& addresses)>;

  // try_ms: how long the first try waits for its replies.
  // max_lookups: at most that many lookups out at once (ask() declines past it).
  // segment: send runs of equal-length questions with UDP segmentation offload where the
  // kernel has it (false: one datagram per send, as a test's comparison needs).
  DnsUdp(uv_loop_t* loop, uint64_t try_ms, size_t max_lookups, Done done, bool segment = true);
  ~DnsUdp();  // precondition: closed()
  DnsUdp(const DnsUdp&) = delete;
  DnsUdp& operator=(const DnsUdp&) = delete;

  // Opens the socket to server and the loop's handles for it; returns the error text
  // (empty on success). Until it succeeds ask() declines, and there is nothing to close.
  std::string open(const sockaddr* server, socklen_t length);
  // Sends the A (and with ipv6 the AAAA) question for name; done() runs once for it, from
  // the loop, never inside ask(). False when this path does not take the lookup (the name
  // is not plain labels, too many lookups out, the socket failed): ask c-ares.
  bool ask(std::string_view name, bool ipv6, void* cookie);
  size_t in_flight() const { return active_; }
  // Whether runs of equal-length questions go out segmented (asked for, and the kernel
  // has UDP_SEGMENT); known once open() succeeded.
  bool segmenting() const { return segment_; }

  // Drops every lookup without calling done() and closes the handles; on_closed (may be
  // empty) runs once, on the loop, when they are closed (never when open() did not
  // succeed: there are none). Idempotent.
  void close(std::function<void()> on_closed = {});
  bool closed() const { return open_handles_ == 0; }

 private:
  struct Lookup {
    void* cookie = nullptr;
    uint64_t due_ms = 0;  // the loop's time (uv_now) when the try is up
    uint32_t serial = 0;  // which use of this Lookup a timeout entry refers to
    uint8_t pending = 0;  // questions not yet answered
    uint8_t tries = 0;    // the try being made: 1, then 2
    bool timed = false;   // the try's timeout is queued (once its questions went out)
    bool active = false;
    bool any_nxdomain = false;
    uint16_t slots[2] = {0, 0};
    uint8_t slot_count = 0;
    uint8_t wire_length = 0;
    uint8_t wire_name[dns::kMaxName];
    std::vector<IpAddress> v4;
    std::vector<IpAddress> v6;
  };
  // One question out: found by its ID's low bits.
  struct Slot {
    Lookup* lookup = nullptr;
    uint16_t id = 0;
    uint16_t qtype = 0;
  };
  // A question waiting for the next flush.
  struct Outgoing {
    Lookup* lookup;
    uint32_t serial;
    uint16_t length;
    uint8_t bytes[dns::kMaxQuery];
  };
  struct Timeout {
    Lookup* lookup;
    uint32_t serial;
  };

  static void on_poll(uv_poll_t* poll, int status, int events);
  static void on_timer(uv_timer_t* timer);
  static void on_handle_closed(uv_handle_t* handle);

  bool send_question(Lookup& lookup, uint16_t qtype);
  void resend(Lookup& lookup);
  void queue(Lookup& lookup, uint16_t id, uint16_t qtype);
  static void on_prepare(uv_prepare_t* prepare);
  void flush();
  uint16_t random_id();
  void read_replies();
  void on_reply(const uint8_t* reply, size_t length, bool truncated);
  void release(Lookup& lookup);  // frees its ID slots
  void retire(Lookup& lookup);   // out of service and back on the free list
  void finish(Lookup& lookup, Outcome outcome);
  void ask_all_again();  // the socket failed: every lookup out goes to c-ares
  void expire();
  void arm_timer();

  uv_loop_t* loop_;
  uint64_t try_ms_;
  size_t max_lookups_;
  Done done_;
  int fd_ = -1;
  bool segment_;  // UDP_SEGMENT sends: asked for, and the kernel has them
  bool broken_ = false;
  bool closing_ = false;
  uv_poll_t poll_;
  uv_timer_t timer_;
  uv_prepare_t prepare_;  // sends what was queued, just before the loop waits
  int open_handles_ = 0;
  std::function<void()> on_closed_;

  std::vector<Slot> slots_;  // a power of two, at least twice the questions out
  std::vector<std::unique_ptr<Lookup>> lookups_;
  std::vector<Lookup*> free_;
  std::deque<Timeout> timeouts_;  // in ask order, which with one try_ms is due order
  size_t active_ = 0;
  size_t questions_ = 0;
  std::vector<Outgoing> outgoing_;
  std::vector<Outgoing> sending_;
  std::vector<uint32_t> order_;   // flush(): sending_ by length, for segmented runs
  std::vector<uint16_t> random_;  // IDs from getrandom(), used from the back
  // recvmmsg's batch.
  static constexpr size_t kBatch = 32;
  static constexpr size_t kReplyBuffer = 1232;
  std::unique_ptr<uint8_t[]> buffers_;
};

}  // namespace tlsfleet::net
