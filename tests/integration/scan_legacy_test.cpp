// SSLv2 and SSLv3, which no local server can speak any more: the canned-hello responder
// answers the scanner's hand-built hellos with recorded first flights, and the record
// must say which legacy protocol the server took, with the findings that follow.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "net/address.h"
#include "tests/integration/fleet_environment.h"
#include "tests/integration/record_expectations.h"
#include "tests/integration/scan_run.h"

namespace tlsfleet::integration {
namespace {

// One canned responder for the life of a test; killed and reaped by the destructor.
class CannedServer {
 public:
  CannedServer(const std::string& address, const std::string& port, const std::string& mode)
      : address_(address), port_(port) {
    std::string script =
        std::string(getenv("TLSFLEET_SOURCE_DIR")) + "/tests/integration/canned_hello_server.py";
    pid_ = fork();
    if (pid_ == 0) {
      execl("/usr/bin/python3", "python3", script.c_str(), address.c_str(), port.c_str(), "--mode",
            mode.c_str(), "--lifetime", "60", static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~CannedServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  // Polls until the responder accepts connections (at most 10 s).
  bool wait_listening() const {
    auto ip = net::IpAddress::parse(address_);
    if (!ip) return false;
    sockaddr_storage addr;
    socklen_t len = ip->to_sockaddr(static_cast<uint16_t>(std::stoi(port_)), &addr);
    for (int i = 0; i < 200; ++i) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0;
      close(fd);
      if (ok) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

 private:
  std::string address_, port_;
  pid_t pid_ = -1;
};

// The responders live beside the fleet's /24, in the next /24 (FLEET_NET 127.84.0 ->
// 127.84.1.x), so parallel fleets on other blocks never collide.
std::string legacy_address(int host) {
  std::string net = fleet().net();
  size_t dot = net.rfind('.');
  int third = std::stoi(net.substr(dot + 1)) + 1;
  return net.substr(0, dot) + "." + std::to_string(third) + "." + std::to_string(host);
}

const Record* scan_one(const std::string& address, ScanRun& run) {
  ScanOptions options;
  options.depth = "standard";
  run = scan({address}, options);
  return single_record(run);
}

TEST(ScanLegacy, Sslv3OnlyServer) {
  CannedServer server(legacy_address(1), fleet().port(), "sslv3");
  ASSERT_TRUE(server.wait_listening());
  ScanRun run;
  const Record* r = scan_one(legacy_address(1), run);
  ASSERT_NE(r, nullptr) << run.describe();
  EXPECT_EQ(r->str("/status"), "tls_error") << "the modern hello fails";
  EXPECT_EQ(r->str("/tls/version"), "SSLv3");
  EXPECT_EQ(r->str("/tls/cipher"), "TLS_RSA_EXPORT_WITH_RC4_40_MD5");
  EXPECT_TRUE(r->boolean("/tls/protocols/SSLv3"));
  EXPECT_FALSE(r->boolean("/tls/protocols/SSLv2"));
  for (const char* v : {"TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"}) {
    EXPECT_FALSE(r->boolean(std::string("/tls/protocols/") + v)) << v;
  }
  expect_finding(*r, "PROTOCOL_LEGACY_ENABLED", "protocol");
  expect_finding(*r, "PROTOCOL_NO_MODERN", "protocol");
  expect_finding(*r, "CIPHER_WEAK", "cipher");
  EXPECT_LE(r->integer("/connections"), 8);
}

TEST(ScanLegacy, Sslv2OnlyServer) {
  CannedServer server(legacy_address(2), fleet().port(), "sslv2");
  ASSERT_TRUE(server.wait_listening());
  ScanRun run;
  const Record* r = scan_one(legacy_address(2), run);
  ASSERT_NE(r, nullptr) << run.describe();
  EXPECT_EQ(r->str("/tls/version"), "SSLv2");
  EXPECT_EQ(r->str("/tls/cipher"), "SSL_CK_RC4_128_WITH_MD5");
  EXPECT_TRUE(r->boolean("/tls/protocols/SSLv2"));
  EXPECT_FALSE(r->boolean("/tls/protocols/SSLv3"));
  expect_finding(*r, "PROTOCOL_LEGACY_ENABLED", "protocol");
  expect_finding(*r, "PROTOCOL_NO_MODERN", "protocol");
}

TEST(ScanLegacy, ModernServerRefusesBothAndSslv2IsInferredFromTls13) {
  ScanOptions options;
  options.depth = "standard";
  ScanRun run = scan({fleet().host("valid")}, options);
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->boolean("/tls/protocols/SSLv3"));
  EXPECT_FALSE(r->boolean("/tls/protocols/SSLv2"));
  EXPECT_TRUE(r->boolean("/tls/protocols/TLSv1.3"));
  expect_no_finding(*r, "PROTOCOL_LEGACY_ENABLED");
  EXPECT_LE(r->integer("/connections"), 7)
      << "main, two version probes, SSLv3, no-SNI, two resumptions";
}

}  // namespace
}  // namespace tlsfleet::integration

namespace tlsfleet::integration {
namespace {

int64_t accepted_suites(const Record& r) {
  int64_t n = 0;
  simdjson::dom::object ciphers;
  if (r.root()["tls"]["ciphers"].get(ciphers)) return -1;
  for (auto field : ciphers) n += static_cast<int64_t>(simdjson::dom::array(field.value).size());
  return n;
}

// Depth full on the SSLv3 responder: its five suites, in its order, found by hand-built
// hellos, and server preference detected.
TEST(ScanFull, Sslv3SuitesInServerOrder) {
  CannedServer server(legacy_address(3), fleet().port(), "sslv3");
  ASSERT_TRUE(server.wait_listening());
  ScanOptions options;
  options.depth = "full";
  ScanRun run = scan({legacy_address(3)}, options);
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr) << run.describe();
  EXPECT_EQ(
      r->strings("/tls/ciphers/SSLv3"),
      (std::vector<std::string>{"TLS_RSA_EXPORT_WITH_RC4_40_MD5",
                                "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", "TLS_RSA_WITH_RC4_128_MD5",
                                "TLS_RSA_WITH_DES_CBC_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"}));
  EXPECT_TRUE(r->boolean("/tls/server_preference"));
  expect_finding(*r, "CIPHER_WEAK", "cipher");
}

// Depth full on nginx: TLS 1.3 and 1.2 suites, the groups (no post-quantum hybrid on
// Debian's OpenSSL 3.0), and issue 3's connection budget: accepted suites + accepted
// versions + accepted groups + 6.
TEST(ScanFull, NginxSuitesGroupsAndConnectionBudget) {
  ScanOptions options;
  options.depth = "full";
  ScanRun run = scan({fleet().host("valid")}, options);
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr) << run.describe();
  std::vector<std::string> tls13 = r->strings("/tls/ciphers/TLSv1.3");
  EXPECT_TRUE(std::find(tls13.begin(), tls13.end(), "TLS_AES_128_GCM_SHA256") != tls13.end());
  EXPECT_FALSE(r->strings("/tls/ciphers/TLSv1.2").empty());
  EXPECT_FALSE(r->has("/tls/ciphers/TLSv1.1")) << "refused versions have no list";
  std::vector<std::string> groups = r->strings("/tls/groups");
  EXPECT_TRUE(std::find(groups.begin(), groups.end(), "x25519") != groups.end());
  EXPECT_TRUE(r->has("/tls/server_preference"));
  expect_finding(*r, "KEX_NOT_POST_QUANTUM", "protocol");
  int64_t versions = 0;
  for (const char* v : {"SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"}) {
    if (r->boolean(std::string("/tls/protocols/") + v)) ++versions;
  }
  EXPECT_EQ(versions, 2);
  int64_t budget = accepted_suites(*r) + versions + static_cast<int64_t>(groups.size()) + 6;
  EXPECT_LE(r->integer("/connections"), budget);
}

}  // namespace
}  // namespace tlsfleet::integration
