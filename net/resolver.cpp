#include "net/resolver.h"

#include <ares.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <type_traits>

#include "net/ares_poller.h"
#include "net/dns_udp.h"

namespace tlsfleet::net {
namespace {

struct ChannelDestroy {
  void operator()(ares_channel channel) const { ares_destroy(channel); }
};
using ChannelPtr = std::unique_ptr<std::remove_pointer_t<ares_channel>, ChannelDestroy>;

struct AddrinfoFree {
  void operator()(ares_addrinfo* info) const { ares_freeaddrinfo(info); }
};
using AddrinfoPtr = std::unique_ptr<ares_addrinfo, AddrinfoFree>;

// c-ares sends each query twice at most. In 1.18 the second try waits twice as long as
// the first (the per-try timeout doubles after each round over the servers), so with one
// server a per-try timeout of a third of the budget ends c-ares' own timing exactly at it.
constexpr int kTries = 2;
constexpr int kBudgetShares = 3;  // 1 share for the first try, 2 for the second
// Thousands of replies can arrive between two loop iterations; the default buffer
// (about 200 KB) drops some of them, and each drop costs a whole retry timeout.
constexpr int kReceiveBuffer = 4 << 20;

uint64_t now_ms() { return uv_hrtime() / 1000000; }

std::string lowercase(std::string text) {
  for (char& c : text) c = dns::ascii_lower(c);
  return text;
}

bool parse_port(std::string_view text, int* port) {
  if (text.empty() || text.size() > 5) return false;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > 65535) return false;
  *port = value;
  return true;
}

// Turns "ADDR", "ADDR:PORT", "[V6]" or "[V6]:PORT" into the "ADDR:PORT" or "[V6]:PORT"
// entry ares_set_servers_ports_csv reads, and the address for connect() when socket is
// given; false when the text is none of those. Names are refused: resolving the
// resolver's address would need a resolver.
bool server_csv_entry(const std::string& text, std::string* entry,
                      sockaddr_storage* socket = nullptr, socklen_t* socket_length = nullptr) {
  std::string_view host = text;
  int port = 53;
  bool bracketed = !host.empty() && host.front() == '[';
  bool v4_port = !bracketed && std::count(host.begin(), host.end(), ':') == 1;
  if (bracketed) {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view rest = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!rest.empty() && (rest.front() != ':' || !parse_port(rest.substr(1), &port))) {
      return false;
    }
  } else if (v4_port) {
    size_t colon = host.find(':');
    if (!parse_port(host.substr(colon + 1), &port)) return false;
    host = host.substr(0, colon);
  }
  std::optional<IpAddress> ip = IpAddress::parse(host);
  if (!ip || (bracketed && ip->is_v4()) || (v4_port && !ip->is_v4())) return false;
  if (socket != nullptr) *socket_length = ip->to_sockaddr(static_cast<uint16_t>(port), socket);
  std::string address = ip->to_string();
  *entry = (ip->is_v4() ? address : "[" + address + "]") + ":" + std::to_string(port);
  return true;
}

DnsAnswer failure(DnsError error, std::string detail) {
  DnsAnswer answer;
  answer.error = error;
  answer.detail = std::move(detail);
  return answer;
}

// The one place c-ares statuses become DnsErrors.
DnsAnswer failure_from_status(int status) {
  switch (status) {
    case ARES_ENOTFOUND:
      return failure(DnsError::kNxdomain, ares_strerror(status));
    case ARES_ENODATA:
      return failure(DnsError::kNoAddress, ares_strerror(status));
    case ARES_ESERVFAIL:
      return failure(DnsError::kServfail, ares_strerror(status));
    case ARES_EREFUSED:
      return failure(DnsError::kRefused, ares_strerror(status));
    case ARES_ETIMEOUT:
      return failure(DnsError::kTimeout, ares_strerror(status));
    case ARES_EBADNAME:
      return failure(DnsError::kBadName, ares_strerror(status));
    case ARES_ECONNREFUSED:
      // c-ares 1.18 ends a query with this status both when the server's port is closed
      // (ICMP port unreachable) and when every server answered SERVFAIL, REFUSED or
      // NOTIMP: it moves on to the next server and keeps its initial status. Either way
      // the servers failed us, and the detail says so without guessing which.
      return failure(DnsError::kServfail,
                     "every DNS server refused or failed the query (REFUSED, SERVFAIL, or "
                     "nothing listening on its port)");
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION:
      return failure(DnsError::kOther, "cancelled");
    default:
      return failure(DnsError::kOther, ares_strerror(status));
  }
}

void append_once(std::vector<IpAddress>& list, const IpAddress& ip) {
  if (std::find(list.begin(), list.end(), ip) == list.end()) list.push_back(ip);
}

// The addresses of a lookup c-ares reports as successful.
DnsAnswer answer_from(const ares_addrinfo* info, bool ipv6) {
  std::vector<IpAddress> v4;
  std::vector<IpAddress> v6;
  for (const ares_addrinfo_node* node = info ? info->nodes : nullptr; node != nullptr;
       node = node->ai_next) {
    if (node->ai_family == AF_INET) append_once(v4, IpAddress::from_sockaddr(node->ai_addr));
    if (node->ai_family == AF_INET6 && ipv6) {
      append_once(v6, IpAddress::from_sockaddr(node->ai_addr));
    }
  }
  DnsAnswer answer;
  answer.addresses = std::move(v4);
  answer.addresses.insert(answer.addresses.end(), v6.begin(), v6.end());
  if (answer.addresses.empty()) {
    return failure(DnsError::kNoAddress, ipv6 ? "no A or AAAA record" : "no A record");
  }
  return answer;
}

// The PTR names of a reverse lookup, lower case, final dot dropped, each once.
DnsAnswer answer_from_host(const hostent* host) {
  DnsAnswer answer;
  auto add = [&answer](const char* raw) {
    if (raw == nullptr || *raw == '\0') return;
    std::string name = lowercase(raw);
    if (name.back() == '.') name.pop_back();
    if (!name.empty() &&
        std::find(answer.names.begin(), answer.names.end(), name) == answer.names.end()) {
      answer.names.push_back(std::move(name));
    }
  };
  if (host != nullptr) {
    add(host->h_name);
    for (char** alias = host->h_aliases; alias != nullptr && *alias != nullptr; ++alias) {
      add(*alias);
    }
  }
  if (answer.names.empty()) return failure(DnsError::kNoAddress, "no PTR record");
  return answer;
}

void library_init() {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

}  // namespace

// Owns the channel, the poller, the cache and two handles: an idle handle that delivers
// answers on the loop (so no callback ever runs inside resolve() or inside c-ares), and
// the deadline timer that ends a lookup c-ares is still working on when its budget is up.
class Resolver::Impl {
 public:
  Impl(uv_loop_t* loop, const ResolverOptions& options);
  // first_server: the first named server's address (null with the system's resolvers).
  std::string init(const std::vector<std::string>& servers_csv, const sockaddr* first_server,
                   socklen_t first_server_length);
  void resolve(const std::string& name, Callback cb);
  void reverse(const IpAddress& address, Callback cb);
  // After close(): answers cb with the closed answer (now or on the next turn); true then.
  bool answered_closed(Callback& cb);
  void close();
  bool closed() const {
    return open_handles_ == 0 && poller_.closed() && (!udp_ || udp_->closed());
  }
  size_t in_flight() const { return callbacks_pending_; }
  // Called when the owning Resolver goes away before the close callbacks ran: the Impl
  // then frees itself in the last of them.
  void delete_when_closed() { delete_when_closed_ = true; }

 private:
  // One name's lookup and, once done, its cached answer. Entries live in entries_ until
  // the Impl goes, so c-ares and the deadline queue can hold plain pointers to them.
  struct Entry {
    Impl* owner = nullptr;
    // The cache key, kept in names_ (NUL-terminated there, for c-ares): the name in lower
    // case, or " ptr " and the address for a reverse lookup.
    std::string_view name;
    size_t hash = 0;
    bool done = false;
    uint64_t deadline_ms = 0;
    // Once done: own_answer (what a lookup found), or one of the Impl's failures, which
    // every lookup that failed the same way shares (100,000 NXDOMAIN answers are one).
    const DnsAnswer* answer = nullptr;
    std::unique_ptr<DnsAnswer> own_answer;
    // Who waits for it: nearly always one caller, kept without a vector of its own.
    Callback first_waiter;
    std::vector<Callback> more_waiters;
    std::unique_ptr<IpAddress> reverse_of;  // set for a PTR lookup of this address
  };
  struct Delivery {
    Callback cb;
    const DnsAnswer* answer;
  };

  // A slot of the cache's index: open addressing, linear probing.
  struct Slot {
    size_t hash = 0;
    Entry* entry = nullptr;
  };

  static void on_addrinfo(void* arg, int status, int timeouts, ares_addrinfo* info);
  void on_udp_done(void* cookie, DnsUdp::Outcome outcome, std::vector<IpAddress>& addresses);
  static void on_hostbyaddr(void* arg, int status, int timeouts, hostent* host);
  Entry* join_or_add(std::string_view key, Callback& cb);
  Entry* find(std::string_view key, size_t hash) const;
  std::string_view keep_name(std::string_view key);
  void index(Entry* entry);
  static void on_idle(uv_idle_t* idle);
  static void on_deadline(uv_timer_t* timer);
  static void on_idle_closed(uv_handle_t* handle);
  static void on_timer_closed(uv_handle_t* handle);

  // now: now_ms(), read once for a run of lookups started together.
  void start_query(Entry& entry, uint64_t now);
  void ask_ares(Entry& entry);
  void start_waiting();
  void finish(Entry& entry, const DnsAnswer* answer);
  void finish(Entry& entry, DnsAnswer own);  // an answer of the entry's own
  // The shared answer for a c-ares error status.
  const DnsAnswer* failure_for(int status);
  void deliver(Callback cb, const DnsAnswer* answer);
  void run_deliveries();
  void arm_deadline();
  void handle_closed();

  uv_loop_t* loop_;
  ResolverOptions options_;
  uint64_t budget_ms_;
  AresPoller poller_;
  ChannelPtr channel_;
  // The plain case of a name's lookup when servers are named (see dns_udp.h); null when
  // c-ares does every lookup.
  std::unique_ptr<DnsUdp> udp_;
  uv_idle_t idle_;
  uv_timer_t deadline_timer_;
  // The cache: entries in a deque (stable addresses, allocated in blocks, walked in order)
  // and a flat index over them. A scan of 100,000 names puts 100,000 entries here; a
  // node-based map spent more on its cache misses, rehashing and freeing than c-ares
  // spent on the lookups.
  std::deque<Entry> entries_;
  std::vector<Slot> index_ = std::vector<Slot>(1024);
  // The entries' names, packed into blocks: one allocation per 64 KiB of names rather
  // than one per name, and as few frees when the cache goes.
  static constexpr size_t kNameBlock = 64 << 10;
  std::vector<std::unique_ptr<char[]>> names_;
  char* names_next_ = nullptr;
  size_t names_room_ = 0;
  // Queries in start order; with one budget for every lookup that is deadline order.
  std::deque<Entry*> deadlines_;
  // Lookups waiting for room under options_.max_queries.
  std::deque<Entry*> waiting_;
  size_t queries_per_lookup_;
  size_t queries_in_flight_ = 0;
  bool starting_ = false;
  std::vector<Delivery> ready_;
  const DnsAnswer closed_answer_ = failure(DnsError::kOther, "cancelled");
  const DnsAnswer timeout_answer_;
  std::map<int, DnsAnswer> failures_;  // by c-ares status, made when first met
  const DnsAnswer empty_name_answer_ = failure(DnsError::kBadName, "empty name");
  size_t callbacks_pending_ = 0;
  int open_handles_ = 0;
  bool closing_ = false;
  bool idle_closed_ = false;
  bool delete_when_closed_ = false;
};

Resolver::Impl::Impl(uv_loop_t* loop, const ResolverOptions& options)
    : loop_(loop),
      options_(options),
      budget_ms_(std::max<uint64_t>(1, std::llround(options.timeout_s * 1000))),
      poller_(loop, std::max<uint64_t>(1, budget_ms_ / kBudgetShares)),
      queries_per_lookup_(options.ipv6 ? 2 : 1),
      timeout_answer_(
          failure(DnsError::kTimeout, "no answer within " + std::to_string(budget_ms_) + " ms")) {
  uv_idle_init(loop_, &idle_);
  idle_.data = this;
  uv_timer_init(loop_, &deadline_timer_);
  deadline_timer_.data = this;
  open_handles_ = 2;
}

std::string Resolver::Impl::init(const std::vector<std::string>& servers_csv,
                                 const sockaddr* first_server, socklen_t first_server_length) {
  library_init();
  ares_options opts{};
  int mask = 0;
  opts.timeout = static_cast<int>(std::max<uint64_t>(1, budget_ms_ / kBudgetShares));
  mask |= ARES_OPT_TIMEOUTMS;
  opts.tries = kTries;
  mask |= ARES_OPT_TRIES;
  opts.socket_receive_buffer_size = kReceiveBuffer;
  mask |= ARES_OPT_SOCK_RCVBUF;
  // No search list: a target name is asked as written, so it resolves the same from any
  // scanning host and costs one query per family, which keeps the budget above honest.
  opts.domains = nullptr;
  opts.ndomains = 0;
  mask |= ARES_OPT_DOMAINS;
  // Lookup order: "b" is DNS alone, "fb" /etc/hosts first. Left unset for the system's
  // resolvers, c-ares reads it from nsswitch.conf (or host.conf), as libc would.
  using HostsFile = ResolverOptions::HostsFile;
  bool skip_hosts = options_.hosts_file == HostsFile::kNever ||
                    (options_.hosts_file == HostsFile::kWithSystemResolver && !servers_csv.empty());
  char dns_only[] = "b";
  char hosts_then_dns[] = "fb";
  if (skip_hosts || options_.hosts_file == HostsFile::kAlways) {
    opts.lookups = skip_hosts ? dns_only : hosts_then_dns;  // copied by ares_init_options
    mask |= ARES_OPT_LOOKUPS;
  }
  poller_.configure(&opts, &mask);
  ares_channel channel = nullptr;
  int status = ares_init_options(&channel, &opts, mask);
  if (status != ARES_SUCCESS) return std::string("cannot start c-ares: ") + ares_strerror(status);
  channel_.reset(channel);
  poller_.attach(channel);
  if (!servers_csv.empty()) {
    std::string csv;
    for (const std::string& entry : servers_csv) csv += (csv.empty() ? "" : ",") + entry;
    status = ares_set_servers_ports_csv(channel, csv.c_str());
    if (status != ARES_SUCCESS) {
      return "c-ares refused the resolvers " + csv + ": " + ares_strerror(status);
    }
  }
  // The own UDP path, for one named server, and only where c-ares would ask DNS alone:
  // with the hosts file read first c-ares must see every name, and with several servers
  // it moves on from one that fails to the next.
  if (options_.own_udp && skip_hosts && servers_csv.size() == 1) {
    udp_ = std::make_unique<DnsUdp>(
        loop_, budget_ms_ / kBudgetShares, options_.max_queries,
        [this](void* cookie, DnsUdp::Outcome outcome, std::vector<IpAddress>& addresses) {
          on_udp_done(cookie, outcome, addresses);
        });
    // Should the socket fail, c-ares does every lookup, as without the path.
    if (!udp_->open(first_server, first_server_length).empty()) udp_.reset();
  }
  return {};
}

bool Resolver::Impl::answered_closed(Callback& cb) {
  if (!closing_) return false;
  if (idle_closed_) {
    // Misuse (a lookup once closed() is true): no handle is left to call back later
    // from, and calling back now beats never calling back.
    --callbacks_pending_;
    cb(closed_answer_);
  } else {
    deliver(std::move(cb), &closed_answer_);
  }
  return true;
}

void Resolver::Impl::resolve(const std::string& name, Callback cb) {
  ++callbacks_pending_;
  if (answered_closed(cb)) return;
  if (name.empty()) {
    // c-ares would ask the server for the root's address instead.
    deliver(std::move(cb), &empty_name_answer_);
    return;
  }
  // The key, the name in lower case, is built on the stack and kept only when new.
  char small[256];
  std::string large;
  char* key = small;
  if (name.size() > sizeof small) {
    large.resize(name.size());
    key = large.data();
  }
  for (size_t i = 0; i < name.size(); ++i) key[i] = dns::ascii_lower(name[i]);
  if (Entry* entry = join_or_add(std::string_view(key, name.size()), cb)) {
    waiting_.push_back(entry);
    start_waiting();
  }
}

std::string_view Resolver::Impl::keep_name(std::string_view key) {
  size_t need = key.size() + 1;
  if (need > names_room_) {
    size_t size = std::max(kNameBlock, need);
    names_.emplace_back(new char[size]);
    names_next_ = names_.back().get();
    names_room_ = size;
  }
  std::memcpy(names_next_, key.data(), key.size());
  names_next_[key.size()] = '\0';
  std::string_view kept(names_next_, key.size());
  names_next_ += need;
  names_room_ -= need;
  return kept;
}

// A cached answer or a lookup in flight takes cb and returns null; otherwise a new entry,
// holding cb, is returned for the caller to start.
Resolver::Impl::Entry* Resolver::Impl::join_or_add(std::string_view key, Callback& cb) {
  size_t hash = std::hash<std::string_view>{}(key);
  if (Entry* entry = find(key, hash)) {
    // A cached answer, or a lookup already in flight that this caller joins.
    if (entry->done) {
      deliver(std::move(cb), entry->answer);
    } else {
      entry->more_waiters.push_back(std::move(cb));
    }
    return nullptr;
  }
  Entry& entry = entries_.emplace_back();
  entry.owner = this;
  entry.name = keep_name(key);
  entry.hash = hash;
  entry.first_waiter = std::move(cb);
  // At most half full: doubling moves only the slots, never an entry.
  if (2 * entries_.size() > index_.size()) {
    std::vector<Slot> old(2 * index_.size());
    old.swap(index_);
    for (const Slot& slot : old) {
      if (slot.entry != nullptr) index(slot.entry);
    }
  }
  index(&entry);
  return &entry;
}

Resolver::Impl::Entry* Resolver::Impl::find(std::string_view key, size_t hash) const {
  size_t mask = index_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = index_[i];
    if (slot.entry == nullptr) return nullptr;
    if (slot.hash == hash && slot.entry->name == key) return slot.entry;
  }
}

void Resolver::Impl::index(Entry* entry) {
  size_t mask = index_.size() - 1;
  size_t i = entry->hash & mask;
  while (index_[i].entry != nullptr) i = (i + 1) & mask;
  index_[i] = Slot{entry->hash, entry};
}

void Resolver::Impl::reverse(const IpAddress& address, Callback cb) {
  ++callbacks_pending_;
  if (answered_closed(cb)) return;
  // A leading space keeps PTR entries apart from names, which never start with one.
  if (Entry* entry = join_or_add(" ptr " + address.to_string(), cb)) {
    entry->reverse_of = std::make_unique<IpAddress>(address);
    waiting_.push_back(entry);
    start_waiting();
  }
}

void Resolver::Impl::start_waiting() {
  // start_query() can complete a lookup at once and land back here; the outer call
  // carries on, so a long run of instant answers does not grow the stack.
  if (starting_) return;
  starting_ = true;
  uint64_t now = 0;  // read once, for the first lookup started
  while (!closing_ && !waiting_.empty() &&
         (queries_in_flight_ == 0 ||
          queries_in_flight_ + queries_per_lookup_ <= options_.max_queries)) {
    Entry* entry = waiting_.front();
    waiting_.pop_front();
    if (now == 0) now = now_ms();
    start_query(*entry, now);
  }
  starting_ = false;
}

void Resolver::Impl::start_query(Entry& entry, uint64_t now) {
  entry.deadline_ms = now + budget_ms_;
  deadlines_.push_back(&entry);
  if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&deadline_timer_))) arm_deadline();
  if (entry.reverse_of) {
    // One PTR query, whatever the families asked for names.
    ++queries_in_flight_;
    sockaddr_storage storage{};
    entry.reverse_of->to_sockaddr(0, &storage);
    const void* bytes = nullptr;
    if (storage.ss_family == AF_INET) {
      bytes = &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr;
    } else {
      bytes = &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr;
    }
    int bytes_length = storage.ss_family == AF_INET ? 4 : 16;
    ares_gethostbyaddr(channel_.get(), bytes, bytes_length, storage.ss_family, &Impl::on_hostbyaddr,
                       &entry);
    poller_.schedule();
    return;
  }
  queries_in_flight_ += queries_per_lookup_;
  if (udp_ && udp_->ask(entry.name, options_.ipv6, &entry)) return;
  ask_ares(entry);
}

void Resolver::Impl::ask_ares(Entry& entry) {
  ares_addrinfo_hints hints{};
  hints.ai_family = options_.ipv6 ? AF_UNSPEC : AF_INET;
  hints.ai_flags = ARES_AI_NOSORT;
  // May call on_addrinfo before returning (a malformed name, an /etc/hosts hit); that
  // only queues the delivery, so the callback still runs later, on the loop.
  ares_getaddrinfo(channel_.get(), entry.name.data(), nullptr, &hints, &Impl::on_addrinfo, &entry);
  poller_.schedule();
}

void Resolver::Impl::on_addrinfo(void* arg, int status, int timeouts, ares_addrinfo* info) {
  AddrinfoPtr owned(info);
  auto* entry = static_cast<Entry*>(arg);
  Impl* self = entry->owner;
  self->queries_in_flight_ -= self->queries_per_lookup_;
  // Done already when the deadline answered first; c-ares' late word is dropped.
  if (!entry->done) {
    if (status != ARES_SUCCESS) {
      self->finish(*entry, self->failure_for(status));
    } else {
      self->finish(*entry, answer_from(info, self->options_.ipv6));
    }
  }
  self->start_waiting();
}

void Resolver::Impl::on_hostbyaddr(void* arg, int status, int timeouts, hostent* host) {
  auto* entry = static_cast<Entry*>(arg);
  Impl* self = entry->owner;
  --self->queries_in_flight_;
  // c-ares owns host; it is only read here.
  if (!entry->done) {
    if (status != ARES_SUCCESS) {
      self->finish(*entry, self->failure_for(status));
    } else {
      self->finish(*entry, answer_from_host(host));
    }
  }
  self->start_waiting();
}

void Resolver::Impl::on_udp_done(void* cookie, DnsUdp::Outcome outcome,
                                 std::vector<IpAddress>& addresses) {
  auto* entry = static_cast<Entry*>(cookie);
  if (outcome == DnsUdp::Outcome::kAskAgain && !entry->done && !closing_) {
    ask_ares(*entry);  // still in flight, now with c-ares: the count stays
    return;
  }
  queries_in_flight_ -= queries_per_lookup_;
  if (!entry->done) {
    switch (outcome) {
      case DnsUdp::Outcome::kAddresses: {
        // The same answer c-ares' path gives: each address once, IPv4 first.
        DnsAnswer answer;
        for (const IpAddress& ip : addresses) append_once(answer.addresses, ip);
        finish(*entry, std::move(answer));
        break;
      }
      case DnsUdp::Outcome::kNoData:
        finish(*entry, failure_for(ARES_ENODATA));
        break;
      case DnsUdp::Outcome::kNxdomain:
        finish(*entry, failure_for(ARES_ENOTFOUND));
        break;
      case DnsUdp::Outcome::kTimeout:
        finish(*entry, &timeout_answer_);
        break;
      case DnsUdp::Outcome::kAskAgain:
        break;  // answered already, or closing
    }
  }
  start_waiting();
}

const DnsAnswer* Resolver::Impl::failure_for(int status) {
  auto it = failures_.find(status);
  if (it == failures_.end()) it = failures_.emplace(status, failure_from_status(status)).first;
  return &it->second;
}

void Resolver::Impl::finish(Entry& entry, DnsAnswer own) {
  entry.own_answer = std::make_unique<DnsAnswer>(std::move(own));
  finish(entry, entry.own_answer.get());
}

void Resolver::Impl::finish(Entry& entry, const DnsAnswer* answer) {
  entry.done = true;
  entry.answer = answer;
  Callback first = std::move(entry.first_waiter);
  entry.first_waiter = nullptr;
  std::vector<Callback> more = std::move(entry.more_waiters);
  entry.more_waiters.clear();
  if (first) deliver(std::move(first), answer);
  for (Callback& cb : more) deliver(std::move(cb), answer);
  // An idle resolver must not keep the loop alive until a deadline nobody waits for. With
  // lookups still running the timer is left as it is: it fires at the earlier deadline of
  // a lookup now done, and on_deadline re-arms it for the next one. Re-arming here cost a
  // clock read and a timer-heap update per lookup (about 2% of a DNS-only sweep's
  // instructions).
  if (closing_) return;
  while (!deadlines_.empty() && deadlines_.front()->done) deadlines_.pop_front();
  if (deadlines_.empty()) uv_timer_stop(&deadline_timer_);
}

void Resolver::Impl::deliver(Callback cb, const DnsAnswer* answer) {
  ready_.push_back({std::move(cb), answer});
  // Once closing, the idle handle's close callback delivers what is queued.
  if (!closing_) uv_idle_start(&idle_, &Impl::on_idle);
}

void Resolver::Impl::run_deliveries() {
  // Swapped out first: a callback may resolve() again, and the answers that queues wait
  // for the next loop iteration rather than starving the loop.
  std::vector<Delivery> batch;
  batch.swap(ready_);
  for (Delivery& delivery : batch) {
    --callbacks_pending_;
    delivery.cb(*delivery.answer);
  }
}

void Resolver::Impl::on_idle(uv_idle_t* idle) {
  auto* self = static_cast<Impl*>(idle->data);
  self->run_deliveries();
  if (self->ready_.empty() && !self->closing_) uv_idle_stop(idle);
}

void Resolver::Impl::arm_deadline() {
  while (!deadlines_.empty() && deadlines_.front()->done) deadlines_.pop_front();
  if (deadlines_.empty()) {
    uv_timer_stop(&deadline_timer_);
    return;
  }
  uint64_t now = now_ms();
  uint64_t due = deadlines_.front()->deadline_ms;
  // The loop's clock may lag behind now_ms(); the timer then fires early and re-arms.
  uv_timer_start(&deadline_timer_, &Impl::on_deadline, due > now ? due - now : 0, 0);
}

void Resolver::Impl::on_deadline(uv_timer_t* timer) {
  auto* self = static_cast<Impl*>(timer->data);
  uint64_t now = now_ms();
  while (!self->deadlines_.empty()) {
    Entry* entry = self->deadlines_.front();
    if (!entry->done && entry->deadline_ms > now) break;
    self->deadlines_.pop_front();
    if (!entry->done) {
      self->finish(*entry, &self->timeout_answer_);
    }
  }
  self->arm_deadline();
}

void Resolver::Impl::close() {
  if (closing_) return;
  closing_ = true;
  if (channel_) {
    // Every pending query calls back with ARES_ECANCELLED, then ares_destroy reports
    // each socket closed (the poller closes its uv_poll) and ends anything left.
    ares_cancel(channel_.get());
    poller_.attach(nullptr);
    channel_.reset();
  }
  if (udp_) udp_->close([this] { handle_closed(); });
  // Whatever c-ares did not answer still gets its one callback.
  for (Entry& entry : entries_) {
    if (!entry.done) finish(entry, &closed_answer_);
  }
  deadlines_.clear();
  waiting_.clear();
  poller_.close([this] { handle_closed(); });
  uv_close(reinterpret_cast<uv_handle_t*>(&idle_), &Impl::on_idle_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&deadline_timer_), &Impl::on_timer_closed);
}

void Resolver::Impl::on_idle_closed(uv_handle_t* handle) {
  auto* self = static_cast<Impl*>(handle->data);
  // The answers still queued, cancellations included, are delivered here, on the loop.
  // A callback may queue more (resolve() after close()), hence the loop.
  while (!self->ready_.empty()) self->run_deliveries();
  self->idle_closed_ = true;
  --self->open_handles_;
  self->handle_closed();
}

void Resolver::Impl::on_timer_closed(uv_handle_t* handle) {
  auto* self = static_cast<Impl*>(handle->data);
  --self->open_handles_;
  self->handle_closed();
}

void Resolver::Impl::handle_closed() {
  if (closed() && delete_when_closed_) delete this;
}

Resolver::Resolver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Resolver::~Resolver() {
  if (!impl_) return;
  impl_->close();
  if (!impl_->closed()) {
    // Destroyed before the loop ran the close callbacks: the handles' memory must live
    // until then, so the Impl frees itself in the last one.
    impl_->delete_when_closed();
    impl_.release();
  }
}

std::unique_ptr<Resolver> Resolver::create(uv_loop_t* loop, const ResolverOptions& options,
                                           std::string* error) {
  if (!(options.timeout_s > 0) || options.timeout_s > 86400) {
    *error = "DNS timeout must be between 0 and 86400 seconds";
    return nullptr;
  }
  std::vector<std::string> servers_csv;
  sockaddr_storage first_server{};
  socklen_t first_server_length = 0;
  for (const std::string& server : options.servers) {
    std::string entry;
    bool first = servers_csv.empty();
    if (!server_csv_entry(server, &entry, first ? &first_server : nullptr,
                          first ? &first_server_length : nullptr)) {
      *error = "invalid resolver '" + server + "': expected ADDR, ADDR:PORT or [IPV6]:PORT";
      return nullptr;
    }
    servers_csv.push_back(entry);
  }
  auto impl = std::make_unique<Impl>(loop, options);
  std::string init_error = impl->init(
      servers_csv, servers_csv.empty() ? nullptr : reinterpret_cast<sockaddr*>(&first_server),
      first_server_length);
  if (!init_error.empty()) {
    *error = init_error;
    // Its handles are open already; the loop's next run closes and frees them.
    impl->close();
    impl->delete_when_closed();
    impl.release();
    return nullptr;
  }
  return std::unique_ptr<Resolver>(new Resolver(std::move(impl)));
}

void Resolver::resolve(const std::string& name, Callback cb) {
  impl_->resolve(name, std::move(cb));
}

void Resolver::reverse(const IpAddress& address, Callback cb) {
  impl_->reverse(address, std::move(cb));
}

void Resolver::close() { impl_->close(); }

bool Resolver::closed() const { return impl_->closed(); }

size_t Resolver::in_flight() const { return impl_->in_flight(); }

}  // namespace tlsfleet::net
