// ClientContexts builds each profile's SSL_CTX when it is first asked for, once.
#include "tls/client_context.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <thread>
#include <vector>

namespace tlsfleet::tls {
namespace {

TEST(ClientContextsTest, AProfileIsBuiltWhenFirstAskedForAndOnlyOnce) {
  std::string error;
  std::unique_ptr<ClientContexts> set = make_client_contexts(&error, /*own_library=*/true);
  ASSERT_TRUE(set) << error;
  EXPECT_EQ(set->built(), 0) << "nothing is built with the set";
  SSL_CTX* modern = set->modern();
  ASSERT_NE(modern, nullptr) << set->error();
  EXPECT_EQ(set->built(), 1);
  EXPECT_EQ(set->modern(), modern) << "the same SSL_CTX every time";
  EXPECT_EQ(set->built(), 1);
  EXPECT_EQ(SSL_CTX_get_min_proto_version(modern), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_max_proto_version(modern), TLS1_3_VERSION);

  EXPECT_EQ(set->up_to(TLS1_2_VERSION), set->tls12());
  EXPECT_EQ(set->built(), 2);
  EXPECT_EQ(SSL_CTX_get_max_proto_version(set->tls12()), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_max_proto_version(set->up_to(TLS1_VERSION)), TLS1_VERSION);
  EXPECT_EQ(SSL_CTX_get_max_proto_version(set->up_to(TLS1_1_VERSION)), TLS1_1_VERSION);
  EXPECT_EQ(set->up_to(TLS1_3_VERSION), nullptr);
  EXPECT_EQ(set->built(), 4);
  EXPECT_EQ(set->error(), "");
}

// Threads asking for one profile at once all get the one SSL_CTX.
TEST(ClientContextsTest, ThreadsAskingAtOnceShareOneBuild) {
  std::string error;
  std::unique_ptr<ClientContexts> set = make_client_contexts(&error);
  ASSERT_TRUE(set) << error;
  std::vector<SSL_CTX*> got(4, nullptr);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] { got[i] = set->no_sni(); });
  }
  for (auto& t : threads) t.join();
  ASSERT_NE(got[0], nullptr) << set->error();
  for (SSL_CTX* ctx : got) EXPECT_EQ(ctx, got[0]);
  EXPECT_EQ(set->built(), 1);
  EXPECT_NE(set->modern(), got[0]) << "no_sni is a profile of its own";
}

}  // namespace
}  // namespace tlsfleet::tls
