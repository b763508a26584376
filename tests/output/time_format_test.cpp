#include "output/time_format.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <random>

namespace tlsfleet::output {
namespace {

// What libc says, for comparison: gmtime_r + snprintf.
std::string reference(int64_t unix_ms) {
  int64_t secs = unix_ms / 1000, ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

TEST(TimeFormat, KnownInstants) {
  EXPECT_EQ(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(1795802400123), "2026-11-27T18:00:00.123Z");
  EXPECT_EQ(format_rfc3339_ms(951782400000), "2000-02-29T00:00:00.000Z") << "leap day of 2000";
  EXPECT_EQ(format_rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339_ms(253402300799999), "9999-12-31T23:59:59.999Z");
  // The records' allocation-free form gives the same 24 characters.
  EXPECT_EQ(rfc3339_ms(1795802400123).view(), "2026-11-27T18:00:00.123Z");
}

TEST(TimeFormat, AgreesWithLibcAcrossCenturies) {
  std::mt19937_64 rng(7);
  // 1900 to 2400: leap centuries, month ends, every millisecond field.
  std::uniform_int_distribution<int64_t> instant(-2208988800000, 13569465600000);
  for (int i = 0; i < 200000; ++i) {
    int64_t ms = instant(rng);
    ASSERT_EQ(format_rfc3339_ms(ms), reference(ms)) << ms;
  }
  for (int64_t day = -800; day < 800; ++day) {  // around the epoch, day by day
    int64_t ms = day * 86400000 + 86399999;
    ASSERT_EQ(format_rfc3339_ms(ms), reference(ms)) << ms;
  }
}

TEST(TimeFormat, NeighbouringInstantsWithinAndAcrossSeconds) {
  // The date and time of the last second are reused: runs of instants inside one second,
  // across second, day and year boundaries, forwards and backwards, must each be exact.
  for (int64_t around : {int64_t{0}, int64_t{1795802400000}, int64_t{1798761600000}}) {
    for (int64_t ms = around - 2500; ms <= around + 2500; ++ms) {
      ASSERT_EQ(format_rfc3339_ms(ms), reference(ms)) << ms;
    }
    for (int64_t ms = around + 2500; ms >= around - 2500; ms -= 7) {
      ASSERT_EQ(format_rfc3339_ms(ms), reference(ms)) << ms;
    }
  }
}

}  // namespace
}  // namespace tlsfleet::output
