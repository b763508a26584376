#include "tls/chain_analysis.h"

#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>

#include <optional>
#include <string>

#include "tests/tls/test_pki.h"

namespace tlsfleet::tls {
namespace {

using test::CertSpec;
using test::issue;
using test::kDay;
using test::keys;
using test::kNow;
using test::stack_of;
using test::store_of;

constexpr std::optional<std::string> kNoName;

std::string error_text(int code) { return X509_verify_cert_error_string(code); }

class ChainAnalysisTest : public ::testing::Test {
 protected:
  X509Ptr root_ = issue(test::root_spec(), keys().root.get());
  X509Ptr intermediate_ = issue_intermediate(test::intermediate_spec());
  X509Ptr leaf_ = issue_leaf(test::leaf_spec());
  X509StorePtr store_ = store_of({root_.get()});

  X509Ptr issue_intermediate(const CertSpec& spec) {
    return issue(spec, keys().intermediate.get(), root_.get(), keys().root.get());
  }
  X509Ptr issue_leaf(const CertSpec& spec) {
    return issue(spec, keys().leaf.get(), intermediate_.get(), keys().intermediate.get());
  }
  ChainInfo analyze(STACK_OF(X509) * served, const std::optional<std::string>& host,
                    const std::optional<std::string>& ip = std::nullopt) {
    return analyze_chain(served, store_.get(), host, ip, kNow);
  }
};

TEST_F(ChainAnalysisTest, FullChainIsTrustedCompleteAndOrdered) {
  X509StackPtr served = stack_of({leaf_.get(), intermediate_.get()});
  const ChainInfo info = analyze(served.get(), "www.example.test");
  EXPECT_TRUE(info.trusted);
  EXPECT_EQ(info.outcome, VerifyOutcome::kTrusted);
  EXPECT_FALSE(info.verify_error.has_value());
  EXPECT_TRUE(info.complete);
  EXPECT_TRUE(info.ordered);
  EXPECT_EQ(info.hostname_match, true);
  ASSERT_EQ(info.served.size(), 2u);
  EXPECT_EQ(info.served[0].subject, "CN=www.example.test");
  EXPECT_EQ(info.served[0].issuer, "CN=Test Intermediate,O=tlsfleet test");
  EXPECT_EQ(info.served[1].subject, "CN=Test Intermediate,O=tlsfleet test");
  EXPECT_EQ(info.served[1].issuer, "CN=Test Root,O=tlsfleet test");
  EXPECT_EQ(info.served[0].sha256.size(), 64u);
  EXPECT_NE(info.served[0].sha256, info.served[1].sha256);
  EXPECT_FALSE(info.served[1].not_after.empty());
}

TEST_F(ChainAnalysisTest, ServingTheRootToo) {
  X509StackPtr served = stack_of({leaf_.get(), intermediate_.get(), root_.get()});
  const ChainInfo info = analyze(served.get(), "www.example.test");
  EXPECT_TRUE(info.trusted);
  EXPECT_TRUE(info.complete);
  EXPECT_TRUE(info.ordered);
  EXPECT_EQ(info.served.size(), 3u);
}

TEST_F(ChainAnalysisTest, LeafWithoutIntermediateIsIncomplete) {
  X509StackPtr served = stack_of({leaf_.get()});
  const ChainInfo info = analyze(served.get(), "www.example.test");
  EXPECT_FALSE(info.trusted);
  EXPECT_EQ(info.outcome, VerifyOutcome::kIncomplete);
  EXPECT_EQ(info.verify_error, error_text(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY));
  EXPECT_FALSE(info.complete);
  EXPECT_TRUE(info.ordered);
  EXPECT_EQ(info.hostname_match, true);
}

TEST_F(ChainAnalysisTest, IntermediateFromTheStoreDoesNotMakeTheChainComplete) {
  // tlsfleet's store happens to hold the intermediate: verification succeeds, but clients
  // without it fail, so the chain the server sends is still incomplete.
  X509StorePtr store = store_of({root_.get(), intermediate_.get()});
  X509StackPtr served = stack_of({leaf_.get()});
  const ChainInfo info = analyze_chain(served.get(), store.get(), kNoName, kNoName, kNow);
  EXPECT_TRUE(info.trusted);
  EXPECT_FALSE(info.complete);
  // ... while the same store with the intermediate served is complete.
  X509StackPtr full = stack_of({leaf_.get(), intermediate_.get()});
  EXPECT_TRUE(analyze_chain(full.get(), store.get(), kNoName, kNoName, kNow).complete);
}

TEST_F(ChainAnalysisTest, MisorderedChainStillVerifies) {
  X509StackPtr served = stack_of({leaf_.get(), root_.get(), intermediate_.get()});
  const ChainInfo info = analyze(served.get(), "www.example.test");
  EXPECT_TRUE(info.trusted);
  EXPECT_TRUE(info.complete);
  EXPECT_FALSE(info.ordered);
  EXPECT_EQ(info.served[1].subject, "CN=Test Root,O=tlsfleet test");
}

TEST_F(ChainAnalysisTest, UnrelatedExtraCertificateBreaksTheOrder) {
  X509Ptr stranger = issue(test::leaf_spec("other.example.test"), keys().rsa1024.get(),
                           intermediate_.get(), keys().intermediate.get());
  X509StackPtr served = stack_of({leaf_.get(), stranger.get(), intermediate_.get()});
  const ChainInfo info = analyze(served.get(), "www.example.test");
  EXPECT_TRUE(info.trusted);
  EXPECT_FALSE(info.ordered);
}

TEST_F(ChainAnalysisTest, ExpiredLeafIsCompleteButNotTrusted) {
  CertSpec spec = test::leaf_spec();
  spec.not_before = kNow - 400 * kDay;
  spec.not_after = kNow - 12 * kDay;
  X509Ptr expired = issue_leaf(spec);
  X509StackPtr served = stack_of({expired.get(), intermediate_.get()});
  const ChainInfo info = analyze(served.get(), "www.example.test");
  EXPECT_FALSE(info.trusted);
  EXPECT_EQ(info.outcome, VerifyOutcome::kExpired);
  EXPECT_EQ(info.verify_error, error_text(X509_V_ERR_CERT_HAS_EXPIRED));
  EXPECT_TRUE(info.complete);
  EXPECT_TRUE(info.ordered);
}

TEST_F(ChainAnalysisTest, ExpiredIntermediate) {
  CertSpec spec = test::intermediate_spec();
  spec.not_before = kNow - 1000 * kDay;
  spec.not_after = kNow - 1 * kDay;
  X509Ptr expired = issue_intermediate(spec);
  X509StackPtr served = stack_of({leaf_.get(), expired.get()});
  const ChainInfo info = analyze(served.get(), "www.example.test");
  EXPECT_FALSE(info.trusted);
  EXPECT_EQ(info.outcome, VerifyOutcome::kExpired);
  EXPECT_TRUE(info.complete);
  ASSERT_EQ(info.served.size(), 2u);
  EXPECT_EQ(info.served[1].not_after_unix, kNow - kDay);
}

TEST_F(ChainAnalysisTest, NotYetValidLeaf) {
  CertSpec spec = test::leaf_spec();
  spec.not_before = kNow + 3 * kDay;
  X509Ptr early = issue_leaf(spec);
  X509StackPtr served = stack_of({early.get(), intermediate_.get()});
  const ChainInfo info = analyze(served.get(), "www.example.test");
  EXPECT_FALSE(info.trusted);
  EXPECT_EQ(info.outcome, VerifyOutcome::kNotYetValid);
  EXPECT_TRUE(info.complete);
  EXPECT_EQ(info.served[0].not_before_unix, kNow + 3 * kDay);
}

TEST_F(ChainAnalysisTest, SelfSignedLeaf) {
  X509Ptr self = issue(test::leaf_spec(), keys().ec_p256.get());
  X509StackPtr served = stack_of({self.get()});
  const ChainInfo info = analyze(served.get(), "www.example.test");
  EXPECT_FALSE(info.trusted);
  EXPECT_EQ(info.outcome, VerifyOutcome::kSelfSigned);
  EXPECT_EQ(info.verify_error, error_text(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT));
  EXPECT_TRUE(info.complete);
  EXPECT_TRUE(info.ordered);
  EXPECT_TRUE(info.served[0].self_signed);
  EXPECT_EQ(info.hostname_match, true);
}

TEST_F(ChainAnalysisTest, SelfSignedLeafInTheStoreIsTrusted) {
  X509Ptr self = issue(test::leaf_spec(), keys().ec_p256.get());
  X509StorePtr store = store_of({self.get()});
  X509StackPtr served = stack_of({self.get()});
  const ChainInfo info = analyze_chain(served.get(), store.get(), kNoName, kNoName, kNow);
  EXPECT_TRUE(info.trusted);
  EXPECT_TRUE(info.complete);
}

TEST_F(ChainAnalysisTest, UntrustedRootServed) {
  CertSpec root_spec = test::root_spec();
  root_spec.subject = {{"CN", "Rogue Root"}};
  X509Ptr rogue_root = issue(root_spec, keys().rogue_root.get());
  CertSpec int_spec = test::intermediate_spec();
  int_spec.subject = {{"CN", "Rogue Intermediate"}};
  X509Ptr rogue_int =
      issue(int_spec, keys().rogue_intermediate.get(), rogue_root.get(), keys().rogue_root.get());
  X509Ptr leaf =
      issue(test::leaf_spec(), keys().leaf.get(), rogue_int.get(), keys().rogue_intermediate.get());

  X509StackPtr served = stack_of({leaf.get(), rogue_int.get(), rogue_root.get()});
  const ChainInfo info = analyze(served.get(), "www.example.test");
  EXPECT_FALSE(info.trusted);
  EXPECT_EQ(info.outcome, VerifyOutcome::kUntrustedRoot);
  EXPECT_EQ(info.verify_error, error_text(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN));
  EXPECT_TRUE(info.complete);  // nothing is missing; the root just is not an anchor
  EXPECT_TRUE(info.ordered);

  // Without the rogue root, its issuer is missing everywhere.
  X509StackPtr partial = stack_of({leaf.get(), rogue_int.get()});
  const ChainInfo cut = analyze(partial.get(), "www.example.test");
  EXPECT_EQ(cut.outcome, VerifyOutcome::kIncomplete);
  EXPECT_FALSE(cut.complete);
}

TEST_F(ChainAnalysisTest, BadSignatureIsOther) {
  // Names the real intermediate as issuer but is signed by another key.
  X509Ptr leaf =
      issue(test::leaf_spec(), keys().leaf.get(), intermediate_.get(), keys().rogue_root.get());
  X509StackPtr served = stack_of({leaf.get(), intermediate_.get()});
  const ChainInfo info = analyze(served.get(), "www.example.test");
  EXPECT_FALSE(info.trusted);
  EXPECT_EQ(info.outcome, VerifyOutcome::kOther);
  EXPECT_EQ(info.verify_error, error_text(X509_V_ERR_CERT_SIGNATURE_FAILURE));
}

TEST_F(ChainAnalysisTest, HostnameAndAddressMatching) {
  X509StackPtr served = stack_of({leaf_.get(), intermediate_.get()});
  EXPECT_EQ(analyze(served.get(), "www.example.test").hostname_match, true);
  EXPECT_EQ(analyze(served.get(), "WWW.Example.Test.").hostname_match, true);
  EXPECT_EQ(analyze(served.get(), "other.example.test").hostname_match, false);
  EXPECT_EQ(analyze(served.get(), kNoName, "192.0.2.10").hostname_match, true);
  EXPECT_EQ(analyze(served.get(), kNoName, "192.0.2.11").hostname_match, false);
  EXPECT_EQ(analyze(served.get(), kNoName, "2001:db8::10").hostname_match, true);
  EXPECT_EQ(analyze(served.get(), kNoName, "2001:db8::11").hostname_match, false);
  // The name, when there is one, is what the client checks; the address is not consulted.
  EXPECT_EQ(analyze(served.get(), "other.example.test", "192.0.2.10").hostname_match, false);
  EXPECT_EQ(analyze(served.get(), kNoName, kNoName).hostname_match, std::nullopt);
  EXPECT_EQ(analyze(served.get(), kNoName, "not an address").hostname_match, std::nullopt);
}

TEST_F(ChainAnalysisTest, WildcardCoversOneLabel) {
  X509Ptr wild = issue_leaf(test::leaf_spec("*.example.test"));
  X509StackPtr served = stack_of({wild.get(), intermediate_.get()});
  EXPECT_EQ(analyze(served.get(), "a.example.test").hostname_match, true);
  EXPECT_EQ(analyze(served.get(), "a.b.example.test").hostname_match, false);
  EXPECT_EQ(analyze(served.get(), "example.test").hostname_match, false);
}

TEST_F(ChainAnalysisTest, DoesNotChangeTheCallersStack) {
  X509StackPtr served = stack_of({leaf_.get(), root_.get(), intermediate_.get()});
  analyze(served.get(), "www.example.test");
  ASSERT_EQ(sk_X509_num(served.get()), 3);
  EXPECT_EQ(sk_X509_value(served.get(), 0), leaf_.get());
  EXPECT_EQ(sk_X509_value(served.get(), 1), root_.get());
  EXPECT_EQ(sk_X509_value(served.get(), 2), intermediate_.get());
}

TEST_F(ChainAnalysisTest, NothingServedOrNoStore) {
  const ChainInfo none = analyze(nullptr, "www.example.test");
  EXPECT_TRUE(none.served.empty());
  EXPECT_FALSE(none.trusted);
  EXPECT_TRUE(none.verify_error.has_value());
  EXPECT_FALSE(none.hostname_match.has_value());

  X509StackPtr empty = stack_of({});
  EXPECT_FALSE(analyze(empty.get(), kNoName).trusted);

  X509StackPtr served = stack_of({leaf_.get(), intermediate_.get()});
  const ChainInfo no_store =
      analyze_chain(served.get(), nullptr, "www.example.test", kNoName, kNow);
  EXPECT_FALSE(no_store.trusted);
  EXPECT_EQ(no_store.outcome, VerifyOutcome::kIncomplete);
  EXPECT_EQ(no_store.served.size(), 2u);
}

}  // namespace
}  // namespace tlsfleet::tls
