// Endpoints where no TLS handshake completes: clear-text HTTP on the TLS port, a closed
// port, and a listener that accepts and never answers.
#include <gtest/gtest.h>

#include "tests/integration/fleet_environment.h"
#include "tests/integration/record_expectations.h"
#include "tests/integration/scan_run.h"

namespace tlsfleet::integration {
namespace {

void expect_no_tls(const Record& r) {
  EXPECT_TRUE(r.is_null("/tls")) << r.label();
  EXPECT_TRUE(r.is_null("/cert")) << r.label();
  EXPECT_TRUE(r.is_null("/chain")) << r.label();
}

TEST(ScanTransport, PlaintextHttpOnTlsPort) {
  const Fleet& f = fleet();
  ScanRun run = scan({f.host("plaintext")});
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);

  EXPECT_EQ(r->str_or_null("/ip"), f.ip("plaintext"));
  ASSERT_EQ(r->str("/status"), "not_tls") << r->line();
  EXPECT_EQ(r->str("/error/stage"), "tls");
  EXPECT_EQ(r->str("/error/code"), "PLAINTEXT_HTTP");
  EXPECT_FALSE(r->str("/error/detail").empty());
  expect_no_tls(*r);
  EXPECT_GE(r->integer("/connections"), 1);
  expect_finding(*r, "PLAINTEXT_ON_TLS_PORT", "backend");
}

TEST(ScanTransport, ClosedPort) {
  const Fleet& f = fleet();
  ScanRun run = scan({f.ip("closed")});
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);

  EXPECT_EQ(r->str("/target"), f.ip("closed"));
  EXPECT_TRUE(r->is_null("/host"));
  EXPECT_EQ(r->str_or_null("/ip"), f.ip("closed"));
  ASSERT_EQ(r->str("/status"), "connect_error") << r->line();
  EXPECT_EQ(r->str("/error/stage"), "connect");
  EXPECT_EQ(r->str("/error/code"), "CONNECTION_REFUSED");
  expect_no_tls(*r);
  EXPECT_FALSE(r->has("/timing_ms/handshake")) << "no handshake was started";
}

// The deadline covers connect + handshake; a peer that never answers costs that, no more.
TEST(ScanTransport, SilentListenerTimesOutWithinDeadline) {
  const Fleet& f = fleet();
  ScanOptions options;
  options.timeout = "1";
  ScanRun run = scan({f.host("silent")}, options);
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);

  EXPECT_EQ(r->str_or_null("/ip"), f.ip("silent"));
  ASSERT_EQ(r->str("/status"), "timeout") << r->line();
  EXPECT_EQ(r->str("/error/stage"), "tls");
  EXPECT_EQ(r->str("/error/code"), "HANDSHAKE_TIMEOUT");
  expect_no_tls(*r);
  EXPECT_TRUE(r->has("/timing_ms/connect")) << "the connect succeeded";
  double total = r->number("/timing_ms/total");
  EXPECT_GE(total, 900) << "gave up before the 1 s deadline";
  EXPECT_LE(total, 1100) << "deadline 1 s + 10%";
  // The whole process: DNS, the 1 s deadline, and start-up/shutdown with some slack.
  EXPECT_LT(run.process.seconds, 3.0) << run.describe();
}

}  // namespace
}  // namespace tlsfleet::integration
