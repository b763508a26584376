#include "scanner/checkpoint.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace tlsfleet::scanner {

namespace {

constexpr const char* kMagic = "tlsfleet-checkpoint 1";
// A checkpoint lists what is in flight; a million entries means a damaged file, not a scan.
constexpr size_t kMaxUnfinished = 10000000;

std::optional<Position> parse_position(const std::string& text) {
  if (text.empty() || text.size() > 39) return std::nullopt;
  Position value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    Position next = value * 10 + static_cast<unsigned>(c - '0');
    if (next / 10 != value) return std::nullopt;  // overflow
    value = next;
  }
  return value;
}

std::optional<uint64_t> parse_u64(const std::string& text) {
  std::optional<Position> p = parse_position(text);
  if (!p || *p > UINT64_MAX) return std::nullopt;
  return static_cast<uint64_t>(*p);
}

// Reads "key value" and checks the key; false on anything else.
bool read_field(std::istream& in, const char* key, std::string* value) {
  std::string line;
  if (!std::getline(in, line)) return false;
  size_t space = line.find(' ');
  if (space == std::string::npos || line.compare(0, space, key) != 0) return false;
  *value = line.substr(space + 1);
  return true;
}

std::string errno_text() { return std::strerror(errno); }

// An EVP digest context, owned here (the one place it is freed).
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  // Each field is length-prefixed, so ("ab","c") and ("a","bc") hash differently.
  void field(std::string_view data) {
    std::string length = std::to_string(data.size()) + ":";
    EVP_DigestUpdate(ctx_.get(), length.data(), length.size());
    EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
  }
  void raw(const char* data, size_t size) { EVP_DigestUpdate(ctx_.get(), data, size); }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &size);
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
      out += kHex[digest[i] >> 4];
      out += kHex[digest[i] & 15];
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx_;
};

// Hashes a file's contents as one field; false and *error when it cannot be read.
bool hash_file(Sha256& sha, const std::string& path, std::string* error) {
  // A pipe or FIFO (-i <(generator)) is read once, by the scan: like stdin, it is known
  // by its name only.
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) return true;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read '" + path + "' to fingerprint the scan";
    return false;
  }
  Sha256 inner;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    inner.raw(buffer, static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) {
    *error = "error reading '" + path + "' to fingerprint the scan";
    return false;
  }
  sha.field(inner.hex());
  return true;
}

}  // namespace

bool CheckpointState::finished(Position p) const {
  return p < cursor && !std::binary_search(unfinished.begin(), unfinished.end(), p);
}

std::string position_text(Position p) {
  if (p == 0) return "0";
  std::string digits;
  while (p > 0) {
    digits += static_cast<char>('0' + static_cast<int>(p % 10));
    p /= 10;
  }
  return std::string(digits.rbegin(), digits.rend());
}

std::optional<CheckpointState> read_checkpoint(const std::string& path, std::string* error) {
  error->clear();
  if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read checkpoint '" + path + "': " + errno_text();
    return std::nullopt;
  }
  auto bad = [&](const std::string& what) {
    *error = "'" + path + "' is not a tlsfleet checkpoint (or is damaged): " + what;
    return std::nullopt;
  };
  std::string line;
  if (!std::getline(in, line) || line != kMagic) return bad("first line");
  CheckpointState state;
  std::string value;
  if (!read_field(in, "fingerprint", &state.fingerprint) || state.fingerprint.size() != 64) {
    return bad("fingerprint");
  }
  std::optional<uint64_t> seed, records, count;
  std::optional<Position> cursor;
  if (!read_field(in, "seed", &value) || !(seed = parse_u64(value))) return bad("seed");
  if (!read_field(in, "cursor", &value) || !(cursor = parse_position(value))) return bad("cursor");
  if (!read_field(in, "records", &value) || !(records = parse_u64(value))) return bad("records");
  if (!read_field(in, "complete", &value) || (value != "0" && value != "1")) return bad("complete");
  state.complete = value == "1";
  if (!read_field(in, "unfinished", &value) || !(count = parse_u64(value)) ||
      *count > kMaxUnfinished) {
    return bad("unfinished count");
  }
  state.seed = *seed;
  state.cursor = *cursor;
  state.records = *records;
  state.unfinished.reserve(static_cast<size_t>(*count));
  for (uint64_t i = 0; i < *count; ++i) {
    std::optional<Position> p;
    if (!std::getline(in, line) || !(p = parse_position(line)) || *p >= state.cursor ||
        (!state.unfinished.empty() && *p <= state.unfinished.back())) {
      return bad("unfinished position " + std::to_string(i + 1));
    }
    state.unfinished.push_back(*p);
  }
  // The end marker proves the file is whole (the rename makes a torn file unlikely, but
  // a hand-edited or copied one may be cut short).
  if (!std::getline(in, line) || line != "end") return bad("no end marker");
  return state;
}

bool write_checkpoint(const std::string& path, const CheckpointState& state, std::string* error) {
  std::ostringstream text;
  text << kMagic << "\n"
       << "fingerprint " << state.fingerprint << "\n"
       << "seed " << state.seed << "\n"
       << "cursor " << position_text(state.cursor) << "\n"
       << "records " << state.records << "\n"
       << "complete " << (state.complete ? 1 : 0) << "\n"
       << "unfinished " << state.unfinished.size() << "\n";
  for (Position p : state.unfinished) text << position_text(p) << "\n";
  text << "end\n";
  const std::string data = text.str();
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "cannot write checkpoint '" + tmp + "': " + errno_text();
    return false;
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = "cannot write checkpoint '" + tmp + "': " + errno_text();
      ::close(fd);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    *error = "cannot write checkpoint '" + tmp + "': " + errno_text();
    return false;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "cannot replace checkpoint '" + path + "': " + errno_text();
    return false;
  }
  return true;
}

ProgressLedger::ProgressLedger(const CheckpointState* previous) {
  if (!previous) return;
  cursor_ = previous->cursor;
  pending_.insert(previous->unfinished.begin(), previous->unfinished.end());
  records_ = previous->records;
}

void ProgressLedger::issued(const std::vector<Position>& positions, Position cursor,
                            bool plan_done) {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.insert(positions.begin(), positions.end());
  // A resumed plan walks again from 0; the earlier run's cursor stays until it is passed.
  cursor_ = std::max(cursor_, cursor);
  if (plan_done) plan_done_ = true;
}

void ProgressLedger::finished(const std::vector<std::pair<Position, uint32_t>>& done) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [position, records] : done) {
    pending_.erase(position);
    records_ += records;
  }
}

CheckpointState ProgressLedger::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  CheckpointState state;
  state.cursor = cursor_;
  state.unfinished.assign(pending_.begin(), pending_.end());
  state.records = records_;
  state.complete = plan_done_ && pending_.empty();
  return state;
}

std::optional<std::string> scan_fingerprint(const ScanOptions& o, std::string* error) {
  Sha256 sha;
  sha.field("tlsfleet scan plan 1");
  sha.field("targets " + std::to_string(o.targets.size()));
  for (const std::string& t : o.targets) sha.field(t);
  sha.field("inputs " + std::to_string(o.input_files.size()));
  for (const std::string& path : o.input_files) {
    sha.field(path);
    if (path != "-" && !hash_file(sha, path, error)) return std::nullopt;
  }
  std::string ports;
  for (uint16_t p : o.ports) ports += std::to_string(p) + ",";
  sha.field("ports " + ports);
  sha.field("sni " + o.sni.value_or(""));
  sha.field(o.sni_from_ptr ? "sni-from ptr" : "sni-from none");
  sha.field(o.ipv6 ? "ipv6" : "ipv4");
  sha.field("shard " + std::to_string(o.shard_index) + "/" + std::to_string(o.shard_count));
  sha.field("exclude " + o.exclude_file);
  if (!o.exclude_file.empty() && !hash_file(sha, o.exclude_file, error)) return std::nullopt;
  return sha.hex();
}

}  // namespace tlsfleet::scanner
