#include "net/target_reader.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <streambuf>
#include <string_view>
#include <utility>

namespace tlsfleet::net {

namespace {

using Traits = std::streambuf::traits_type;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// How far one step may move the read position: gbump() takes an int.
constexpr size_t kMaxStep = static_cast<size_t>(std::numeric_limits<int>::max()) - 1;

// The stream buffer's unread bytes, so that a line is found with one memchr and taken
// without a call per byte. std::streambuf keeps gptr(), egptr() and gbump() protected
// (istream's own getline reads them as a friend). A pointer to member formed through a
// class derived from std::streambuf may name them and, being a pointer to a member of
// std::streambuf, applies to any stream buffer.
// istream::getline() into a fixed buffer would be simpler, but its sentry catches what a
// buffer throws (std::filebuf reading a directory: "Is a directory") and turns it into
// badbit, so a read error would look like the end of the input; it also sets failbit, on
// an over-long line and at the end. Reading the buffer directly keeps what this reader did
// when it took byte by byte with sbumpc(), at less than half getline's cost per line.
class GetArea : public std::streambuf {
 public:
  static const char* next(std::streambuf& buffer) { return (buffer.*&GetArea::gptr)(); }
  static const char* end(std::streambuf& buffer) { return (buffer.*&GetArea::egptr)(); }
  static void advance(std::streambuf& buffer, size_t n) {
    (buffer.*&GetArea::gbump)(static_cast<int>(n));
  }
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Cuts a comment: a line that starts with '#', or " # ..." after a target. A '#' with no
// space before it stays, so a URL's "#fragment" is left for the target parser.
std::string_view strip_comment(std::string_view text) {
  for (size_t i = text.find('#'); i != std::string_view::npos; i = text.find('#', i + 1)) {
    if (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t') return text.substr(0, i);
  }
  return text;
}

}  // namespace

TargetReader::TargetReader(std::istream& in, ErrorHandler on_error)
    : in_(in), on_error_(std::move(on_error)) {
  line_.reserve(kMaxLineLength + 1);
}

void TargetReader::keep(const char* bytes, size_t size) {
  if (line_.size() <= kMaxLineLength) {
    line_.append(bytes, std::min(size, kMaxLineLength + 1 - line_.size()));
  }
}

TargetReader::LineStatus TargetReader::read_line() {
  line_.clear();
  view_ = {};
  std::streambuf* buffer = in_.rdbuf();
  if (buffer == nullptr || !in_.good()) return LineStatus::kEnd;
  // Count every byte but keep at most kMaxLineLength + 1 of them (the extra one may be
  // the CR of a CRLF ending), so an over-long line costs no more memory than a good one.
  size_t length = 0;
  bool in_buffer = false;  // view_ points into the stream's buffer, not into line_
  while (true) {
    const char* begin = GetArea::next(*buffer);
    const size_t available = static_cast<size_t>(GetArea::end(*buffer) - begin);
    if (available == 0) {
      // Nothing buffered: one byte the way the stream gives it, which refills the buffer
      // (or, unbuffered, is all there is).
      const Traits::int_type c = buffer->sbumpc();
      if (Traits::eq_int_type(c, Traits::eof())) {
        in_.setstate(std::ios::eofbit);
        if (length == 0) return LineStatus::kEnd;
        break;
      }
      const char byte = Traits::to_char_type(c);
      if (byte == '\n') break;
      keep(&byte, 1);
      ++length;
      continue;
    }
    const size_t step = std::min(available, kMaxStep);
    const auto* newline = static_cast<const char*>(std::memchr(begin, '\n', step));
    const size_t size = newline != nullptr ? static_cast<size_t>(newline - begin) : step;
    if (newline != nullptr && length == 0) {
      // The whole line is in the buffer: read it there. Nothing refills the buffer before
      // next() is done with the line.
      view_ = std::string_view(begin, size);
      in_buffer = true;
      length = size;
      GetArea::advance(*buffer, size + 1);
      break;
    }
    keep(begin, size);
    length += size;
    GetArea::advance(*buffer, newline != nullptr ? size + 1 : size);
    if (newline != nullptr) break;
  }
  if (length > kMaxLineLength + 1) return LineStatus::kTooLong;
  if (!in_buffer) view_ = line_;  // not over-long, so every byte was kept
  if (!view_.empty() && view_.back() == '\r') view_.remove_suffix(1);
  return view_.size() > kMaxLineLength ? LineStatus::kTooLong : LineStatus::kLine;
}

std::optional<Target> TargetReader::next() {
  while (true) {
    LineStatus status = read_line();
    if (status == LineStatus::kEnd) return std::nullopt;
    ++line_no_;
    if (status == LineStatus::kTooLong) {
      report("line too long (more than " + std::to_string(kMaxLineLength) + " bytes)");
      continue;
    }
    std::string_view text = view_;
    // Editors on Windows like to start UTF-8 files with a byte order mark.
    if (line_no_ == 1 && text.substr(0, kUtf8Bom.size()) == kUtf8Bom) {
      text.remove_prefix(kUtf8Bom.size());
    }
    text = trim(strip_comment(text));
    if (text.empty()) continue;
    auto parsed = parse_target(text);
    if (parsed.index() == 1) {
      report(std::get<1>(parsed));
      continue;
    }
    return std::get<0>(std::move(parsed));
  }
}

void TargetReader::report(const std::string& reason) {
  ++bad_lines_;
  if (on_error_) on_error_(line_no_, reason);
}

}  // namespace tlsfleet::net
