// TargetReader: reads targets one line at a time from a stream (a -i file or stdin),
// skipping blank lines and '#' comments, tolerating CRLF, and reporting bad lines without
// stopping. Nothing is read ahead: a 10 GB file costs one line of memory.
#pragma once

#include <cstddef>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <string_view>

#include "net/target.h"

namespace tlsfleet::net {

class TargetReader {
 public:
  // Called for each bad line with the 1-based line number and the reason; the reader
  // then goes on with the next line.
  using ErrorHandler = std::function<void(size_t line, const std::string& reason)>;

  // Reads from in, which must outlive the reader. on_error may be empty.
  TargetReader(std::istream& in, ErrorHandler on_error);

  // The next valid target, or nullopt at end of stream. Bad lines met on the way are
  // reported through on_error and skipped.
  std::optional<Target> next();

  size_t bad_lines() const { return bad_lines_; }
  // The 1-based number of the last line read: after next() returned a target, its line.
  size_t line_number() const { return line_no_; }

  // Lines longer than this are rejected as bad lines (and skipped without being stored).
  static constexpr size_t kMaxLineLength = 4096;

 private:
  enum class LineStatus { kLine, kTooLong, kEnd };
  // Reads one line, without its LF or CRLF ending, into view_: valid until the stream is
  // next read, since it may point into the stream's own buffer.
  LineStatus read_line();
  // Appends to line_ what of bytes still fits in kMaxLineLength + 1.
  void keep(const char* bytes, size_t size);
  void report(const std::string& reason);

  std::istream& in_;
  ErrorHandler on_error_;
  std::string line_;  // a line split across buffer refills; never longer than kMaxLineLength + 1
  std::string_view view_;  // the line read_line() found, in line_ or in the stream's buffer
  size_t line_no_ = 0;
  size_t bad_lines_ = 0;
};

}  // namespace tlsfleet::net
