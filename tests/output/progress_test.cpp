#include "output/progress.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace tlsfleet::output {
namespace {

using scanner::Status;

void set_count(ProgressSnapshot& s, Status status, uint64_t count) {
  s.by_status[static_cast<std::size_t>(status)] = count;
}

TEST(FormatCount, GroupsThousands) {
  EXPECT_EQ(format_count(0), "0");
  EXPECT_EQ(format_count(7), "7");
  EXPECT_EQ(format_count(999), "999");
  EXPECT_EQ(format_count(1000), "1,000");
  EXPECT_EQ(format_count(65536), "65,536");
  EXPECT_EQ(format_count(123456), "123,456");
  EXPECT_EQ(format_count(1234567), "1,234,567");
  EXPECT_EQ(format_count(std::numeric_limits<uint64_t>::max()), "18,446,744,073,709,551,615");
}

TEST(FormatProgress, FullLineWithTotalRateAndStatuses) {
  ProgressSnapshot s;
  s.elapsed_s = 12.2;
  s.done = 12345;
  s.total = 65536;
  s.rate_per_s = 1020;
  set_count(s, Status::kOk, 10);
  set_count(s, Status::kConnectError, 12335);
  EXPECT_EQ(format_progress(s),
            "[00:12] 12,345/65,536 18.8%  1,020/s  ETA 0:52  ok 10  connect_error 12,335");
}

TEST(FormatProgress, UnknownTotalOmitsPercentAndEta) {
  ProgressSnapshot s;
  s.elapsed_s = 65;
  s.done = 1300;
  s.rate_per_s = 20;
  set_count(s, Status::kOk, 1300);
  EXPECT_EQ(format_progress(s), "[01:05] 1,300  20/s  ok 1,300");
}

TEST(FormatProgress, RateFallsBackToAverage) {
  ProgressSnapshot s;
  s.elapsed_s = 10;
  s.done = 500;
  s.total = 1500;
  EXPECT_EQ(format_progress(s), "[00:10] 500/1,500 33.3%  50/s  ETA 0:20");
}

TEST(FormatProgress, NoRateYetShowsUnknownEta) {
  ProgressSnapshot s;
  s.total = 100;
  EXPECT_EQ(format_progress(s), "[00:00] 0/100 0.0%  ETA --");
}

TEST(FormatProgress, ZeroRateShowsUnknownEta) {
  ProgressSnapshot s;
  s.elapsed_s = 3;
  s.total = 100;
  s.rate_per_s = 0;
  EXPECT_EQ(format_progress(s), "[00:03] 0/100 0.0%  0.0/s  ETA --");
}

TEST(FormatProgress, SlowRatesKeepADecimal) {
  ProgressSnapshot s;
  s.elapsed_s = 4;
  s.done = 10;
  s.total = 20;
  s.rate_per_s = 2.5;
  EXPECT_EQ(format_progress(s), "[00:04] 10/20 50.0%  2.5/s  ETA 0:04");
}

TEST(FormatProgress, HoursInElapsedAndEta) {
  ProgressSnapshot s;
  s.elapsed_s = 3725;  // 1:02:05
  s.done = 1000;
  s.total = 1000 + 2 * 3600 * 10;
  s.rate_per_s = 10;
  EXPECT_EQ(format_progress(s), "[1:02:05] 1,000/73,000 1.4%  10/s  ETA 2:00:00");
}

TEST(FormatProgress, DoneBeyondTotalIsCappedAtHundredPercent) {
  ProgressSnapshot s;
  s.elapsed_s = 1;
  s.done = 120;
  s.total = 100;
  s.rate_per_s = 120;
  EXPECT_EQ(format_progress(s), "[00:01] 120/100 100.0%  120/s  ETA 0:00");
}

TEST(FormatProgress, EmptyTotalHasNoPercent) {
  ProgressSnapshot s;
  s.total = 0;
  s.rate_per_s = 0;
  EXPECT_EQ(format_progress(s), "[00:00] 0/0  0.0/s  ETA 0:00");
}

TEST(FormatProgress, StatusesInSchemaOrderAndZerosOmitted) {
  ProgressSnapshot s;
  s.elapsed_s = 1;
  s.done = 28;
  s.rate_per_s = 28;
  set_count(s, Status::kCancelled, 7);
  set_count(s, Status::kNotTls, 6);
  set_count(s, Status::kTlsError, 5);
  set_count(s, Status::kTimeout, 4);
  set_count(s, Status::kDnsError, 2);
  set_count(s, Status::kOk, 4);
  EXPECT_EQ(format_progress(s),
            "[00:01] 28  28/s  ok 4  dns_error 2  timeout 4  tls_error 5  not_tls 6  cancelled 7");
}

TEST(FormatProgress, NonsenseInputsStayReadable) {
  ProgressSnapshot s;
  s.elapsed_s = -5;
  s.done = 1;
  s.total = 2;
  s.rate_per_s = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(format_progress(s), "[00:00] 1/2 50.0%  ETA --");
}

}  // namespace
}  // namespace tlsfleet::output
