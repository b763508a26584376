// TrustStore: a CA file read at once (a bad one is an error before any scanning), the
// system store read on a thread of its own and waited for by the first get().
#include "tls/trust_store.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include "tests/tls/test_pki.h"

namespace tlsfleet::tls {
namespace {

namespace fs = std::filesystem;

fs::path temp_path(const char* name) {
  return fs::temp_directory_path() / (std::string(name) + "." + std::to_string(getpid()));
}

TEST(TrustStore, CaFileIsReadAtOnce) {
  const test::Keys& k = test::keys();
  X509Ptr root = test::issue(test::root_spec(), k.ec_p256.get());
  fs::path pem = temp_path("trust-store-test.pem");
  {
    FILE* f = std::fopen(pem.c_str(), "w");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(PEM_write_X509(f, root.get()), 1);
    std::fclose(f);
  }
  std::string error;
  std::unique_ptr<TrustStore> trust = TrustStore::open(pem.string(), &error);
  fs::remove(pem);
  ASSERT_NE(trust, nullptr) << error;
  X509_STORE* store = trust->get();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(sk_X509_OBJECT_num(X509_STORE_get0_objects(store)), 1);
  EXPECT_EQ(trust->get(), store) << "the same store every time";
}

TEST(TrustStore, UnreadableCaFileIsAnErrorAtOnce) {
  std::string error;
  EXPECT_EQ(TrustStore::open("/nonexistent/ca.pem", &error), nullptr);
  EXPECT_NE(error.find("/nonexistent/ca.pem"), std::string::npos) << error;
}

// The system store: open() does not read it; the first prefetch() (a scan's first
// connection) starts the read, and every thread's first get() gets the one store made.
TEST(TrustStore, SystemStoreLoadsInTheBackgroundAndIsSharedOnce) {
  std::string error;
  std::unique_ptr<TrustStore> trust = TrustStore::open("", &error);
  ASSERT_NE(trust, nullptr) << error;
  EXPECT_FALSE(trust->started());
  trust->prefetch();
  EXPECT_TRUE(trust->started());
  std::vector<X509_STORE*> seen(4, nullptr);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&, i] { seen[i] = trust->get(); });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_NE(seen[0], nullptr);
  for (X509_STORE* s : seen) EXPECT_EQ(s, seen[0]);
}

// Destroyed before anyone asked: the loader is waited for, nothing leaks or crashes
// (the sanitizer builds of .ci/run watch this one).
TEST(TrustStore, DestroyedWhileLoading) {
  std::string error;
  std::unique_ptr<TrustStore> trust = TrustStore::open("", &error);
  ASSERT_NE(trust, nullptr) << error;
  trust->prefetch();
  trust.reset();
}

// Never asked for (a scan that opened no connection): nothing is read, nothing waited for.
TEST(TrustStore, NeverPrefetchedNeverReads) {
  std::string error;
  std::unique_ptr<TrustStore> trust = TrustStore::open("", &error);
  ASSERT_NE(trust, nullptr) << error;
  EXPECT_FALSE(trust->started());
  trust.reset();
}

// get() without prefetch() (a chain verified before any connection was counted) still
// reads the store, once.
TEST(TrustStore, GetWithoutPrefetchReads) {
  std::string error;
  std::unique_ptr<TrustStore> trust = TrustStore::open("", &error);
  ASSERT_NE(trust, nullptr) << error;
  X509_STORE* store = trust->get();
  EXPECT_TRUE(trust->started());
  EXPECT_NE(store, nullptr);
  EXPECT_EQ(trust->get(), store);
}

}  // namespace
}  // namespace tlsfleet::tls
