#include "net/dns_udp.h"

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

namespace tlsfleet::net {
namespace {

// Replies that arrive while the loop is busy wait in the socket's buffer; the default
// (about 200 KB) drops some of a burst of thousands, as c-ares' would (the resolver sets
// the same size for c-ares' sockets).
constexpr int kReceiveBuffer = 4 << 20;
// A full reply batch is read again at once, up to this many batches per wake-up, so that
// one busy socket does not starve the rest of the loop.
constexpr int kMaxBatchesPerWake = 32;
// Questions one UDP_SEGMENT send may carry: the kernel's UDP_MAX_SEGMENTS (64 since 4.18).
constexpr size_t kMaxSegments = 64;

size_t slot_count_for(size_t max_lookups) {
  size_t want = 4 * std::max<size_t>(max_lookups, 16);  // two questions a lookup, half full
  size_t count = 64;
  while (count < want && count < 65536) count *= 2;
  return count;
}

}  // namespace

DnsUdp::DnsUdp(uv_loop_t* loop, uint64_t try_ms, size_t max_lookups, Done done, bool segment)
    : loop_(loop),
      try_ms_(std::max<uint64_t>(1, try_ms)),
      max_lookups_(std::max<size_t>(1, max_lookups)),
      done_(std::move(done)),
      segment_(segment),
      slots_(slot_count_for(max_lookups_)) {}

DnsUdp::~DnsUdp() = default;

std::string DnsUdp::open(const sockaddr* server, socklen_t length) {
  if (closing_ || fd_ >= 0) return "already open";
  int fd = socket(server->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string("socket: ") + std::strerror(errno);
  int size = kReceiveBuffer;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);  // best effort, as c-ares
  // Connected: the kernel picks a random source port and drops datagrams from anyone but
  // the server.
  if (connect(fd, server, length) != 0) {
    std::string error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return error;
  }
  if (uv_poll_init_socket(loop_, &poll_, fd) != 0) {
    ::close(fd);
    return "cannot watch the DNS socket";
  }
  fd_ = fd;
  // Segmentation offload (UDP_SEGMENT, Linux 4.18): the socket option exists exactly where
  // the per-send control message does; 0 leaves sends as they are unless a send asks.
  int no_segmenting = 0;
  segment_ =
      segment_ && setsockopt(fd, SOL_UDP, UDP_SEGMENT, &no_segmenting, sizeof no_segmenting) == 0;
  poll_.data = this;
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
  uv_prepare_init(loop_, &prepare_);
  prepare_.data = this;
  open_handles_ = 3;
  uv_poll_start(&poll_, UV_READABLE, &DnsUdp::on_poll);
  // The socket alone must not keep the loop alive: the timer runs while lookups are out.
  uv_unref(reinterpret_cast<uv_handle_t*>(&poll_));
  buffers_ = std::make_unique<uint8_t[]>(kBatch * kReplyBuffer);
  return {};
}

uint16_t DnsUdp::random_id() {
  if (random_.empty()) {
    random_.resize(256);
    size_t bytes = random_.size() * sizeof(uint16_t);
    ssize_t got = getrandom(random_.data(), bytes, 0);
    if (got != static_cast<ssize_t>(bytes)) {
      // getrandom() does not fail for a request this small once the pool is ready;
      // should it ever, random_device is the next best source.
      std::random_device device;
      for (uint16_t& id : random_) id = static_cast<uint16_t>(device());
    }
  }
  uint16_t id = random_.back();
  random_.pop_back();
  return id;
}

bool DnsUdp::ask(std::string_view name, bool ipv6, void* cookie) {
  size_t questions = ipv6 ? 2 : 1;
  if (fd_ < 0 || broken_ || closing_ || active_ >= max_lookups_ ||
      2 * (questions_ + questions) > slots_.size()) {
    return false;
  }
  // One label: c-ares 1.18 applies its own rules to those (it sends none without a search
  // list), so it answers them.
  if (name.find('.') == std::string_view::npos) return false;
  Lookup* lookup = nullptr;
  if (!free_.empty()) {
    lookup = free_.back();
    free_.pop_back();
  } else {
    lookups_.push_back(std::make_unique<Lookup>());
    lookup = lookups_.back().get();
  }
  size_t wire_length = dns::write_name(name, lookup->wire_name);
  if (wire_length == 0) {  // not plain labels: c-ares says what it makes of the name
    free_.push_back(lookup);
    return false;
  }
  lookup->wire_length = static_cast<uint8_t>(wire_length);
  lookup->cookie = cookie;
  lookup->pending = 0;
  lookup->slot_count = 0;
  lookup->any_nxdomain = false;
  lookup->tries = 1;
  lookup->timed = false;
  lookup->active = true;
  ++active_;
  // Queued, and sent in batches just before the loop waits for I/O.
  if (!send_question(*lookup, dns::kTypeA) || (ipv6 && !send_question(*lookup, dns::kTypeAaaa))) {
    while (!outgoing_.empty() && outgoing_.back().lookup == lookup) outgoing_.pop_back();
    retire(*lookup);
    return false;
  }
  return true;  // its try's time starts when flush() sends it
}

void DnsUdp::resend(Lookup& lookup) {
  ++lookup.tries;
  lookup.timed = false;
  for (uint8_t i = 0; i < lookup.slot_count; ++i) {
    const Slot& slot = slots_[lookup.slots[i]];
    if (slot.lookup == &lookup) queue(lookup, slot.id, slot.qtype);  // else answered already
  }
}

bool DnsUdp::send_question(Lookup& lookup, uint16_t qtype) {
  size_t mask = slots_.size() - 1;
  // At most half the slots are taken, so a free one turns up within a few draws; a run of
  // taken ones is left to c-ares rather than looped on.
  for (int attempt = 0; attempt < 16; ++attempt) {
    uint16_t id = random_id();
    Slot& slot = slots_[id & mask];
    if (slot.lookup != nullptr) continue;
    slot = Slot{&lookup, id, qtype};
    lookup.slots[lookup.slot_count++] = static_cast<uint16_t>(id & mask);
    ++lookup.pending;
    ++questions_;
    queue(lookup, id, qtype);
    return true;
  }
  return false;
}

void DnsUdp::queue(Lookup& lookup, uint16_t id, uint16_t qtype) {
  Outgoing& out = outgoing_.emplace_back();
  out.lookup = &lookup;
  out.serial = lookup.serial;
  out.length = static_cast<uint16_t>(
      dns::write_query(id, lookup.wire_name, lookup.wire_length, qtype, out.bytes));
  if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&prepare_))) {
    uv_prepare_start(&prepare_, &DnsUdp::on_prepare);
  }
}

void DnsUdp::on_prepare(uv_prepare_t* prepare) { static_cast<DnsUdp*>(prepare->data)->flush(); }

void DnsUdp::flush() {
  uv_prepare_stop(&prepare_);
  sending_.swap(outgoing_);  // what done() queues from here on waits for the next flush
  // The order the questions go out in (k-th sent: sending_[order_[k]]). With segmentation
  // offload, a run of questions of one length goes out as one send of up to kMaxSegments
  // datagrams: the kernel builds and routes one buffer and cuts it into the datagrams at
  // the end (on loopback, as the server's socket takes it). That halves the sending side's
  // kernel time per question (0.74 against 1.5 us, 36-byte datagrams, this box); the
  // server still gets one datagram per question. Sorted by length, a batch of names of
  // mixed lengths makes runs too; the order within one batch means nothing to anyone.
  order_.resize(sending_.size());
  for (uint32_t i = 0; i < order_.size(); ++i) order_[i] = i;
  if (segment_ && order_.size() > 1) {
    // Ties in queue order; std::sort, unlike std::stable_sort, needs no buffer of its own.
    std::sort(order_.begin(), order_.end(), [this](uint32_t a, uint32_t b) {
      const uint16_t la = sending_[a].length;
      const uint16_t lb = sending_[b].length;
      return la < lb || (la == lb && a < b);
    });
  }
  size_t sent = 0;
  while (sent < sending_.size()) {
    mmsghdr messages[kBatch];
    size_t questions[kBatch];
    iovec vectors[kBatch * kMaxSegments];
    alignas(cmsghdr) char controls[kBatch][CMSG_SPACE(sizeof(uint16_t))];
    size_t count = 0;
    size_t next = sent;
    while (count < kBatch && next < sending_.size()) {
      size_t run = 1;
      const uint16_t length = sending_[order_[next]].length;
      if (segment_) {
        while (run < kMaxSegments && next + run < sending_.size() &&
               sending_[order_[next + run]].length == length) {
          ++run;
        }
      }
      iovec* first = &vectors[count * kMaxSegments];
      for (size_t i = 0; i < run; ++i) first[i] = {sending_[order_[next + i]].bytes, length};
      messages[count] = {};
      msghdr& header = messages[count].msg_hdr;
      header.msg_iov = first;
      header.msg_iovlen = run;
      if (run > 1) {
        header.msg_control = controls[count];
        header.msg_controllen = sizeof controls[count];
        cmsghdr* control = CMSG_FIRSTHDR(&header);
        control->cmsg_level = SOL_UDP;
        control->cmsg_type = UDP_SEGMENT;
        control->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        std::memcpy(CMSG_DATA(control), &length, sizeof length);
      }
      questions[count++] = run;
      next += run;
    }
    int done = sendmmsg(fd_, messages, static_cast<unsigned>(count), 0);
    if (done < 0 && errno == EINTR) continue;
    if (done < 0 && questions[0] > 1 &&
        (errno == EIO || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOPROTOOPT)) {
      // The route cannot segment (no checksum offload on its device, IPsec): send one
      // datagram per question from now on.
      segment_ = false;
      continue;
    }
    if (done <= 0) break;
    for (int i = 0; i < done; ++i) sent += questions[i];
  }
  // A try's time starts now, when its questions went out: one clock read per batch, and
  // each try waits twice as long as the one before.
  uv_update_time(loop_);
  uint64_t now = uv_now(loop_);
  for (size_t k = 0; k < sent; ++k) {
    const Outgoing& out = sending_[order_[k]];
    Lookup& lookup = *out.lookup;
    if (!lookup.active || lookup.serial != out.serial || lookup.timed) continue;
    lookup.timed = true;
    lookup.due_ms = now + (try_ms_ << (lookup.tries - 1));
    timeouts_.push_back({&lookup, lookup.serial});
  }
  if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&timer_))) arm_timer();
  // What the kernel would not take (a full buffer, an ICMP error reported on sending):
  // c-ares asks those again.
  for (size_t k = sent; k < sending_.size() && !closing_; ++k) {
    const Outgoing& out = sending_[order_[k]];
    Lookup& lookup = *out.lookup;
    if (lookup.active && lookup.serial == out.serial) finish(lookup, Outcome::kAskAgain);
  }
  sending_.clear();
}

void DnsUdp::on_poll(uv_poll_t* poll, int status, int events) {
  auto* self = static_cast<DnsUdp*>(poll->data);
  if (status < 0) {
    // The loop cannot watch the socket any more: nothing more will be read from it.
    self->broken_ = true;
    self->ask_all_again();
    uv_poll_stop(poll);
    return;
  }
  if (events & UV_READABLE) self->read_replies();
}

void DnsUdp::read_replies() {
  mmsghdr messages[kBatch];
  iovec vectors[kBatch];
  for (int batch = 0; batch < kMaxBatchesPerWake && !closing_ && !broken_; ++batch) {
    for (size_t i = 0; i < kBatch; ++i) {
      vectors[i] = {buffers_.get() + i * kReplyBuffer, kReplyBuffer};
      messages[i] = {};
      messages[i].msg_hdr.msg_iov = &vectors[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    int count = recvmmsg(fd_, messages, kBatch, MSG_DONTWAIT, nullptr);
    if (count < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      // ECONNREFUSED (an ICMP port unreachable: nothing listens there) or worse: c-ares
      // takes every lookup from here on and reports what it finds.
      broken_ = true;
      ask_all_again();
      return;
    }
    for (int i = 0; i < count && !closing_; ++i) {
      on_reply(buffers_.get() + i * kReplyBuffer, messages[i].msg_len,
               (messages[i].msg_hdr.msg_flags & MSG_TRUNC) != 0);
    }
    if (static_cast<size_t>(count) < kBatch) return;
  }
}

void DnsUdp::on_reply(const uint8_t* reply, size_t length, bool truncated) {
  if (length < dns::kHeaderSize) return;
  uint16_t id = dns::message_id(reply);
  Slot& slot = slots_[id & (slots_.size() - 1)];
  if (slot.lookup == nullptr || slot.id != id) return;  // late, stray or spoofed
  Lookup& lookup = *slot.lookup;
  uint16_t qtype = slot.qtype;
  std::vector<IpAddress>& addresses = qtype == dns::kTypeA ? lookup.v4 : lookup.v6;
  size_t before = addresses.size();
  dns::ReplyKind kind =
      dns::read_reply(reply, length, lookup.wire_name, lookup.wire_length, qtype, &addresses);
  if (kind == dns::ReplyKind::kNotOurs) return;
  if (truncated) {
    // Longer than a reply to these questions gets without EDNS: c-ares reads it whole.
    addresses.resize(before);
    kind = dns::ReplyKind::kOther;
  }
  slot = Slot{};
  --questions_;
  --lookup.pending;
  switch (kind) {
    case dns::ReplyKind::kOther:
      finish(lookup, Outcome::kAskAgain);
      return;
    case dns::ReplyKind::kNxdomain:
      lookup.any_nxdomain = true;
      break;
    default:
      break;
  }
  if (lookup.pending != 0) return;
  if (!lookup.v4.empty() || !lookup.v6.empty()) {
    finish(lookup, Outcome::kAddresses);
  } else {
    finish(lookup, lookup.any_nxdomain ? Outcome::kNxdomain : Outcome::kNoData);
  }
}

void DnsUdp::release(Lookup& lookup) {
  for (uint8_t i = 0; i < lookup.slot_count; ++i) {
    Slot& slot = slots_[lookup.slots[i]];
    if (slot.lookup == &lookup) {
      slot = Slot{};
      --questions_;
    }
  }
  lookup.slot_count = 0;
  lookup.pending = 0;
}

void DnsUdp::retire(Lookup& lookup) {
  release(lookup);
  lookup.active = false;
  ++lookup.serial;  // its queued questions and timeouts no longer count
  --active_;
  lookup.v4.clear();
  lookup.v6.clear();
  free_.push_back(&lookup);
}

void DnsUdp::finish(Lookup& lookup, Outcome outcome) {
  void* cookie = lookup.cookie;
  std::vector<IpAddress> addresses;
  if (outcome == Outcome::kAddresses) {
    addresses = std::move(lookup.v4);
    addresses.insert(addresses.end(), lookup.v6.begin(), lookup.v6.end());
  }
  // Retired before the call: done() may ask again, and may take this very Lookup.
  retire(lookup);
  if (active_ == 0 && !closing_) {
    // Nothing out: a timer armed for an answered lookup must not keep the loop alive.
    timeouts_.clear();
    uv_timer_stop(&timer_);
  }
  done_(cookie, outcome, addresses);
}

void DnsUdp::ask_all_again() {
  // By index: done() cannot add Lookups (ask() declines once broken), but need not know.
  for (size_t i = 0; i < lookups_.size() && !closing_; ++i) {
    if (lookups_[i]->active) finish(*lookups_[i], Outcome::kAskAgain);
  }
  arm_timer();
}

void DnsUdp::on_timer(uv_timer_t* timer) { static_cast<DnsUdp*>(timer->data)->expire(); }

void DnsUdp::expire() {
  uint64_t now = uv_now(loop_);
  while (!timeouts_.empty() && !closing_) {
    Timeout timeout = timeouts_.front();
    Lookup& lookup = *timeout.lookup;
    bool live = lookup.active && lookup.serial == timeout.serial;
    if (live && lookup.due_ms > now) break;
    timeouts_.pop_front();
    if (!live) continue;
    if (lookup.tries >= kTries) {
      finish(lookup, Outcome::kTimeout);
    } else {
      // The same IDs again, so a late reply to the first try still counts, as in c-ares.
      resend(lookup);
    }
  }
  arm_timer();
}

void DnsUdp::arm_timer() {
  if (closing_) return;
  while (!timeouts_.empty() && (!timeouts_.front().lookup->active ||
                                timeouts_.front().lookup->serial != timeouts_.front().serial)) {
    timeouts_.pop_front();
  }
  if (timeouts_.empty()) {
    uv_timer_stop(&timer_);
    return;
  }
  uint64_t now = uv_now(loop_);
  uint64_t due = timeouts_.front().lookup->due_ms;
  uv_timer_start(&timer_, &DnsUdp::on_timer, due > now ? due - now : 0, 0);
}

void DnsUdp::close(std::function<void()> on_closed) {
  if (closing_) return;
  closing_ = true;
  on_closed_ = std::move(on_closed);
  for (const std::unique_ptr<Lookup>& lookup : lookups_) lookup->active = false;
  timeouts_.clear();
  outgoing_.clear();
  active_ = 0;
  if (fd_ < 0) return;  // never opened: no handles
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &DnsUdp::on_handle_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), &DnsUdp::on_handle_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), &DnsUdp::on_handle_closed);
}

void DnsUdp::on_handle_closed(uv_handle_t* handle) {
  auto* self = static_cast<DnsUdp*>(handle->data);
  if (handle == reinterpret_cast<uv_handle_t*>(&self->poll_) && self->fd_ >= 0) {
    ::close(self->fd_);  // only once libuv has stopped watching it
    self->fd_ = -1;
  }
  if (--self->open_handles_ == 0 && self->on_closed_) {
    std::function<void()> on_closed = std::move(self->on_closed_);
    on_closed();  // may destroy this
  }
}

}  // namespace tlsfleet::net
