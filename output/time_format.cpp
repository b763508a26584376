#include "output/time_format.h"

#include <cstdint>

namespace tlsfleet::output {

namespace {

// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's
// civil_from_days): no libc call, no locale, no lock, on the hot path of every record.
struct Date {
  int64_t year;
  unsigned month;  // 1-12
  unsigned day;    // 1-31
};

Date civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (month <= 2), month, day};
}

char* digits(char* out, uint64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

}  // namespace

Rfc3339Text rfc3339_ms(int64_t unix_ms) {
  int64_t days = unix_ms / 86'400'000;
  int64_t ms_of_day = unix_ms % 86'400'000;
  if (ms_of_day < 0) {
    ms_of_day += 86'400'000;
    --days;
  }
  const auto ms = static_cast<uint64_t>(ms_of_day);
  const int64_t second = days * 86'400 + static_cast<int64_t>(ms / 1000);
  // Records finished in the same second share everything up to the milliseconds: the
  // date and time of the last second formatted on this thread are kept (a DNS sweep
  // writes thousands of records a second).
  thread_local int64_t last_second = INT64_MIN;
  thread_local Rfc3339Text last;
  if (second != last_second) {
    Date date = civil_from_days(days);
    // Years outside 0000-9999 are not RFC 3339; no clock of a running scan gets there.
    uint64_t year = date.year < 0 ? 0 : date.year > 9999 ? 9999 : static_cast<uint64_t>(date.year);
    char* p = digits(last.text, year, 4);
    *p++ = '-';
    p = digits(p, date.month, 2);
    *p++ = '-';
    p = digits(p, date.day, 2);
    *p++ = 'T';
    p = digits(p, ms / 3'600'000, 2);
    *p++ = ':';
    p = digits(p, ms / 60'000 % 60, 2);
    *p++ = ':';
    p = digits(p, ms / 1000 % 60, 2);
    *p++ = '.';
    last_second = second;
  }
  Rfc3339Text out = last;
  char* p = digits(out.text + 20, ms % 1000, 3);
  *p = 'Z';
  return out;
}

std::string format_rfc3339_ms(int64_t unix_ms) { return std::string(rfc3339_ms(unix_ms).view()); }

}  // namespace tlsfleet::output
