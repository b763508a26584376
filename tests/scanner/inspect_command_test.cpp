#include "scanner/inspect_command.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "output/native_record.h"
#include "tests/tls/test_pki.h"

namespace tlsfleet::scanner {
namespace {

using test::kNow;

TEST(JsonMemberText, TopLevelMembersWholeWhateverTheStringsHold) {
  const std::string object =
      R"({"a":"x\",\"b\":1","b":{"c":[1,2,"}"],"d":{"b":3}},"n":-12.5,"d":null,"e":[]})";
  EXPECT_EQ(json_member_text(object, "a"), R"("x\",\"b\":1")");
  EXPECT_EQ(json_member_text(object, "b"), R"({"c":[1,2,"}"],"d":{"b":3}})");
  EXPECT_EQ(json_member_text(object, "n"), "-12.5");
  EXPECT_EQ(json_member_text(object, "d"), "null");
  EXPECT_EQ(json_member_text(object, "e"), "[]");
  EXPECT_EQ(json_member_text(object, "c"), "") << "nested keys are not top-level members";
  EXPECT_EQ(json_member_text(R"({"a":"unterminated)", "a"), "");
}

// Files of the test PKI in a directory of their own.
class InspectFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = "/tmp/tlsfleet_inspect_" + std::to_string(getpid());
    std::filesystem::create_directories(dir_);
    const auto& k = test::keys();
    root_ = test::issue(test::root_spec(), k.root.get());
    intermediate_ =
        test::issue(test::intermediate_spec(), k.intermediate.get(), root_.get(), k.root.get());
    leaf_ =
        test::issue(test::leaf_spec(), k.ec_p256.get(), intermediate_.get(), k.intermediate.get());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes certificates then keys as PEM; returns the path.
  std::string write(const std::string& name, std::initializer_list<X509*> certs,
                    std::initializer_list<EVP_PKEY*> keys = {}) {
    std::string path = dir_ + "/" + name;
    tls::BioPtr bio(BIO_new_file(path.c_str(), "w"));
    for (X509* c : certs) PEM_write_bio_X509(bio.get(), c);
    for (EVP_PKEY* key : keys) {
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
    }
    return path;
  }

  InspectResult inspect(InspectOptions o) {
    std::string error;
    auto result = inspect_files(o, kNow, &error);
    EXPECT_TRUE(result) << error;
    return result ? std::move(*result) : InspectResult{};
  }

  std::string dir_;
  tls::X509Ptr root_, intermediate_, leaf_;
};

TEST_F(InspectFiles, CombinedPemWithMatchingKeyVerifies) {
  InspectOptions o;
  o.cert_file =
      write("combined.pem", {leaf_.get(), intermediate_.get()}, {test::keys().ec_p256.get()});
  o.ca_file = write("root.pem", {root_.get()});
  o.host = "www.example.test";
  InspectResult r = inspect(o);
  ASSERT_TRUE(r.record.chain && r.record.cert);
  EXPECT_EQ(r.key_matches, true);
  EXPECT_EQ(r.key_source, o.cert_file);
  EXPECT_EQ(r.chain_certificates, 1u);
  EXPECT_TRUE(r.record.chain->trusted);
  EXPECT_TRUE(r.record.chain->complete);
  EXPECT_EQ(r.record.chain->hostname_match, true);
  EXPECT_TRUE(r.record.findings.empty());
}

TEST_F(InspectFiles, KeyOfAnotherCertificateIsACriticalFindingFirst) {
  InspectOptions o;
  o.cert_file = write("leaf.pem", {leaf_.get()});
  o.key_file = write("other.key", {}, {test::keys().ec_p384.get()});
  o.chain_file = write("chain.pem", {intermediate_.get()});
  o.ca_file = write("root.pem", {root_.get()});
  o.host = "elsewhere.test";
  InspectResult r = inspect(o);
  EXPECT_EQ(r.key_matches, false);
  ASSERT_GE(r.record.findings.size(), 2u);
  EXPECT_EQ(r.record.findings[0].id, "KEY_MISMATCH");
  EXPECT_EQ(r.record.findings[0].severity, Severity::kCritical);
  EXPECT_EQ(r.record.findings[1].id, "CERT_HOSTNAME_MISMATCH");
}

TEST_F(InspectFiles, LeafAloneIsAnIncompleteChainAndAnAddressHostIsMatchedAsOne) {
  InspectOptions o;
  o.cert_file = write("leaf.pem", {leaf_.get()});
  o.ca_file = write("root.pem", {root_.get()});
  o.host = "192.0.2.10";
  InspectResult r = inspect(o);
  EXPECT_FALSE(r.key_matches) << "no key given: null, not false";
  EXPECT_EQ(r.record.ip, "192.0.2.10");
  EXPECT_EQ(r.record.chain->hostname_match, true);
  ASSERT_FALSE(r.record.findings.empty());
  EXPECT_EQ(r.record.findings[0].id, "CHAIN_INCOMPLETE");
}

TEST_F(InspectFiles, RecordCarriesTheScanRecordsCertChainAndFindings) {
  InspectOptions o;
  o.cert_file = write("leaf.pem", {leaf_.get()}, {test::keys().ec_p256.get()});
  o.ca_file = write("root.pem", {root_.get()});
  InspectResult r = inspect(o);
  std::string line = inspect_record(r, o, kNow * 1000);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  line.pop_back();
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one line";
  std::string native;
  output::append_native_record(r.record, native);
  native.pop_back();
  for (const char* member : {"cert", "chain", "findings"}) {
    EXPECT_FALSE(json_member_text(line, member).empty()) << member;
    EXPECT_EQ(json_member_text(line, member), json_member_text(native, member)) << member;
  }
  EXPECT_EQ(json_member_text(line, "key_matches"), "true");
  EXPECT_EQ(json_member_text(line, "kind"), "\"inspect\"");
  EXPECT_EQ(json_member_text(line, "host"), "null");
}

TEST_F(InspectFiles, UnusableFilesAreErrorsNamingTheFile) {
  std::string error;
  InspectOptions o;
  o.cert_file = write("keyonly.pem", {}, {test::keys().ec_p256.get()});
  EXPECT_FALSE(inspect_files(o, kNow, &error));
  EXPECT_NE(error.find("keyonly.pem"), std::string::npos) << error;
  EXPECT_NE(error.find("no certificate"), std::string::npos) << error;

  o.cert_file = write("leaf.pem", {leaf_.get()});
  o.ca_file = dir_ + "/missing-root.pem";
  EXPECT_FALSE(inspect_files(o, kNow, &error));
  EXPECT_NE(error.find("missing-root.pem"), std::string::npos) << error;

  // A DER certificate is read as one.
  std::string der_path = dir_ + "/leaf.der";
  {
    tls::BioPtr bio(BIO_new_file(der_path.c_str(), "wb"));
    i2d_X509_bio(bio.get(), leaf_.get());
  }
  InspectOptions der;
  der.cert_file = der_path;
  der.ca_file = write("root.pem", {root_.get()});
  auto result = inspect_files(der, kNow, &error);
  ASSERT_TRUE(result) << error;
  EXPECT_EQ(result->record.cert->subject, "CN=www.example.test");
}

}  // namespace
}  // namespace tlsfleet::scanner
