// Chains as served: the intermediate left out, and leaf, root, intermediate in that order.
#include <gtest/gtest.h>

#include "tests/integration/fleet_environment.h"
#include "tests/integration/record_expectations.h"
#include "tests/integration/scan_run.h"

namespace tlsfleet::integration {
namespace {

TEST(ScanChain, MissingIntermediate) {
  const Fleet& f = fleet();
  ScanRun run = scan({f.host("noint")});
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);

  ASSERT_EQ(r->str("/status"), "ok") << r->line();
  EXPECT_EQ(r->str("/cert/issuer"), kIntermediateSubject);
  expect_served(*r, {f.sha256("noint")});
  EXPECT_FALSE(r->boolean("/chain/complete"));
  EXPECT_FALSE(r->boolean("/chain/trusted"))
      << "the trust store holds the root only, so the missing intermediate breaks the path";
  EXPECT_TRUE(r->str_or_null("/chain/verify_error").has_value());
  EXPECT_TRUE(r->boolean("/chain/hostname_match"));
  expect_finding(*r, "CHAIN_INCOMPLETE", "chain");
  expect_no_finding(*r, "CHAIN_MISORDERED");
}

TEST(ScanChain, Misordered) {
  const Fleet& f = fleet();
  ScanRun run = scan({f.host("misordered")});
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);

  ASSERT_EQ(r->str("/status"), "ok") << r->line();
  expect_served(*r, {f.sha256("misordered"), f.root_sha256(), f.intermediate_sha256()});
  EXPECT_EQ(r->str("/chain/served/1/subject"), kRootSubject);
  EXPECT_EQ(r->str("/chain/served/2/subject"), kIntermediateSubject);
  EXPECT_FALSE(r->boolean("/chain/ordered"));
  EXPECT_TRUE(r->boolean("/chain/complete")) << "every issuer was served, just out of order";
  EXPECT_TRUE(r->boolean("/chain/trusted"));
  EXPECT_TRUE(r->boolean("/chain/hostname_match"));
  expect_finding(*r, "CHAIN_MISORDERED", "chain");
  expect_no_finding(*r, "CHAIN_INCOMPLETE");
}

}  // namespace
}  // namespace tlsfleet::integration
