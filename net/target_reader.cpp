#include "net/target_reader.h"

#include <string_view>
#include <utility>

namespace tlsfleet::net {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Cuts a comment: a line that starts with '#', or " # ..." after a target. A '#' with no
// space before it stays, so a URL's "#fragment" is left for the target parser.
std::string_view strip_comment(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t')) {
      return text.substr(0, i);
    }
  }
  return text;
}

}  // namespace

TargetReader::TargetReader(std::istream& in, ErrorHandler on_error)
    : in_(in), on_error_(std::move(on_error)) {
  line_.reserve(kMaxLineLength + 1);
}

TargetReader::LineStatus TargetReader::read_line() {
  line_.clear();
  std::streambuf* buffer = in_.rdbuf();
  if (buffer == nullptr || !in_.good()) return LineStatus::kEnd;
  using Traits = std::streambuf::traits_type;
  // Count every byte but keep at most kMaxLineLength + 1 of them (the extra one may be
  // the CR of a CRLF ending), so an over-long line costs no more memory than a good one.
  size_t length = 0;
  char last = '\0';
  while (true) {
    Traits::int_type c = buffer->sbumpc();
    if (Traits::eq_int_type(c, Traits::eof())) {
      in_.setstate(std::ios::eofbit);
      if (length == 0) return LineStatus::kEnd;
      break;
    }
    char ch = Traits::to_char_type(c);
    if (ch == '\n') break;
    ++length;
    last = ch;
    if (line_.size() <= kMaxLineLength) line_ += ch;
  }
  if (last == '\r') {
    --length;
    if (line_.size() > length) line_.pop_back();
  }
  return length > kMaxLineLength ? LineStatus::kTooLong : LineStatus::kLine;
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
    std::string_view text = line_;
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
