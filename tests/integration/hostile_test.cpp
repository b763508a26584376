// Hostile TLS peers (tests/integration/hostile_server.py): whatever a server sends, the
// scanner does not crash or hang, finishes every endpoint within its deadline plus 10%,
// writes one valid JSON object per line, caps what it reads, and says what went wrong.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/hostile_servers.h"
#include "tests/integration/scan_run.h"

namespace tlsfleet::integration {
namespace {

constexpr double kTimeoutS = 2.0;
// Start-up and shutdown of the process on top of one deadline; sanitizer builds start slowly.
constexpr double kProcessSlackS = 2.0;

const std::vector<std::string> kPeers = {"garbage", "badrecord", "dribble",  "acceptclose", "reset",
                                         "hugemsg", "endless",   "baddier",  "badutf8",     "hrr",
                                         "weird",   "manysans",  "longchain"};

class Hostile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    servers_ = hostile_servers(&why);
    ASSERT_NE(servers_, nullptr) << why;
  }
  const HostileServers& h() const { return *servers_; }

  // Scans these peers with --timeout 2 (and extra flags) at this depth, checking the
  // process: it ends within the deadline of the endpoints' longest connection sequence.
  ScanRun scan_peers(const std::vector<std::string>& peers, std::vector<std::string> extra = {},
                     const std::string& depth = "basic") const {
    for (const std::string& p : peers) extra.push_back(h().ip(p));
    ScanOptions options;
    options.timeout = "2";
    options.depth = depth;
    ScanRun run = scan(extra, options);
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
    int64_t connections = 1;
    for (const Record& r : run.records)
      connections = std::max(connections, r.integer("/connections"));
    EXPECT_LT(run.process.seconds, connections * kTimeoutS * 1.1 + kProcessSlackS)
        << run.describe();
    return run;
  }

  // The one record of a one-peer scan, checked to have finished within the deadline.
  Record scan_one(const std::string& peer, std::vector<std::string> extra = {}) const {
    ScanRun run = scan_peers({peer}, std::move(extra));
    if (run.records.size() != 1) {
      ADD_FAILURE() << run.records.size() << " records for " << peer << "; " << run.describe();
      std::string error;
      return *Record::parse(R"({"status":"missing"})", &error);
    }
    expect_finished_in_time(run.records[0]);
    return std::move(run.records[0]);
  }

  static void expect_finished_in_time(const Record& r) {
    EXPECT_LE(r.number("/timing_ms/total"), kTimeoutS * 1000 * 1.1) << r.line();
  }

  // status and error.code as given (code one of codes), with a detail sentence.
  static void expect_error(const Record& r, const std::string& status,
                           const std::set<std::string>& codes) {
    ASSERT_EQ(r.str("/status"), status) << r.line();
    EXPECT_TRUE(codes.count(r.str("/error/code"))) << r.line();
    EXPECT_FALSE(r.str("/error/detail").empty()) << r.line();
    EXPECT_TRUE(r.is_null("/tls")) << r.line();
  }

  const HostileServers* servers_ = nullptr;
};

// Every peer at once: one process, one deadline.
TEST_F(Hostile, EveryPeerAtOnceEndsWithinOneDeadlineWithOneObjectPerLine) {
  ScanRun run = scan_peers(kPeers);
  ASSERT_EQ(run.records.size(), kPeers.size()) << run.process.out;
  std::set<std::string> seen;
  for (const Record& r : run.records) {
    SCOPED_TRACE(r.label());
    seen.insert(r.str("/ip"));
    expect_finished_in_time(r);
    if (r.str("/status") != "ok") {
      EXPECT_FALSE(r.str("/error/code").empty());
      EXPECT_FALSE(r.str("/error/detail").empty());
    }
  }
  EXPECT_EQ(seen.size(), kPeers.size()) << "one record per peer";
}

// At standard depth an endpoint costs up to 8 connections, each with its own deadline:
// the endpoint ends within that many deadlines, and hostile answers to the later probes
// do not change what the main handshake found.
TEST_F(Hostile, EveryPeerAtStandardDepthEndsWithinItsConnectionsDeadlines) {
  ScanRun run = scan_peers(kPeers, {}, "standard");
  ASSERT_EQ(run.records.size(), kPeers.size()) << run.process.out;
  for (const Record& r : run.records) {
    SCOPED_TRACE(r.label());
    int64_t connections = r.integer("/connections");
    EXPECT_GE(connections, 1);
    EXPECT_LE(connections, 8);
    EXPECT_LE(r.number("/timing_ms/total"), connections * kTimeoutS * 1000 * 1.1) << r.line();
    if (r.str("/status") != "ok") {
      EXPECT_FALSE(r.str("/error/code").empty());
    }
  }
}

TEST_F(Hostile, GarbageInsteadOfServerHelloIsNotTls) {
  Record r = scan_one("garbage");
  expect_error(r, "not_tls", {"NOT_TLS"});
}

TEST_F(Hostile, JunkInsideAWellFramedRecordIsAProtocolError) {
  Record r = scan_one("badrecord");
  expect_error(r, "tls_error", {"PROTOCOL_ERROR"});
}

// One byte per second keeps the connection busy forever; the deadline still holds.
TEST_F(Hostile, DribblingPeerDoesNotExtendTheDeadline) {
  Record r = scan_one("dribble");
  expect_error(r, "timeout", {"HANDSHAKE_TIMEOUT"});
  EXPECT_GE(r.number("/timing_ms/total"), kTimeoutS * 1000 * 0.9) << r.line();
}

TEST_F(Hostile, AcceptThenCloseEndsTheHandshake) {
  Record r = scan_one("acceptclose");
  // A close before the ClientHello was read may reach us as FIN or as RST.
  expect_error(r, "tls_error", {"CONNECTION_CLOSED", "CONNECTION_RESET"});
  EXPECT_TRUE(r.has("/timing_ms/connect")) << r.line();
}

TEST_F(Hostile, ResetAfterClientHelloIsConnectionReset) {
  Record r = scan_one("reset");
  expect_error(r, "tls_error", {"CONNECTION_RESET"});
}

TEST_F(Hostile, SixteenMegabyteHandshakeMessageIsRefusedAtOnce) {
  Record r = scan_one("hugemsg");
  expect_error(r, "tls_error", {"PROTOCOL_ERROR"});
  EXPECT_NE(r.str("/error/detail").find("excessive message size"), std::string::npos) << r.line();
  EXPECT_LT(r.number("/timing_ms/total"), kTimeoutS * 1000 / 2) << "not a timeout: " << r.line();
}

// An endless stream of records a client must ignore: only the read cap ends it.
TEST_F(Hostile, EndlessRecordsStopAtTheDefaultReadCap) {
  Record r = scan_one("endless");
  expect_error(r, "tls_error", {"READ_LIMIT"});
  EXPECT_NE(r.str("/error/detail").find("1048576"), std::string::npos) << r.line();
}

TEST_F(Hostile, EndlessRecordsStopAtALowerReadCap) {
  Record r = scan_one("endless", {"--max-read", "16384"});
  expect_error(r, "tls_error", {"READ_LIMIT"});
  EXPECT_NE(r.str("/error/detail").find("16384"), std::string::npos) << r.line();
}

TEST_F(Hostile, MalformedDerCertificateIsAProtocolError) {
  Record r = scan_one("baddier");
  expect_error(r, "tls_error", {"PROTOCOL_ERROR"});
  EXPECT_TRUE(r.is_null("/cert")) << r.line();
}

// OpenSSL refuses to decode a UTF8String that is not UTF-8, so the handshake fails; the
// record says so rather than inventing a certificate.
TEST_F(Hostile, InvalidUtf8StringSubjectIsAProtocolErrorThatSaysWhy) {
  Record r = scan_one("badutf8");
  expect_error(r, "tls_error", {"PROTOCOL_ERROR"});
  EXPECT_NE(r.str("/error/detail").find("utf8"), std::string::npos) << r.line();
}

TEST_F(Hostile, RepeatedHelloRetryRequestsAreAProtocolError) {
  Record r = scan_one("hrr");
  expect_error(r, "tls_error", {"PROTOCOL_ERROR"});
  EXPECT_LE(r.integer("/connections"), 1);
}

// Quotes, backslashes, newlines, control bytes, U+2028, NUL and bytes that are not UTF-8
// in the names of a certificate a real server (s_server) serves.
TEST_F(Hostile, HostileNamesAreEscapedAndInvalidUtf8Replaced) {
  Record r = scan_one("weird");
  ASSERT_EQ(r.str("/status"), "ok") << r.line();
  const std::string fffd = "\xEF\xBF\xBD";
  std::vector<std::string> expected = {"weird.hostile.test",
                                       "quo\"te.test",
                                       "back\\slash.test",
                                       "new\nline.test",
                                       "ctl\x01\x1f\x7f.test",
                                       "bad" + fffd + fffd + "utf8.test",
                                       fffd + "(.test",
                                       std::string("nul\0byte.test", 13),
                                       "caf\xC3\xA9.test",
                                       "ls\xE2\x80\xA8sep.test",
                                       "surrogate" + fffd + fffd + fffd + ".test"};
  EXPECT_EQ(r.strings("/cert/san"), expected);
  std::string subject = r.str("/cert/subject");
  EXPECT_NE(subject.find("CN=we\\\"ird\\\\name"), std::string::npos) << subject;
  EXPECT_NE(subject.find("T61 \xC3\x83(\xC3\xBF\xC3\xBE org"), std::string::npos)
      << "T61String read as Latin-1: " << subject;
  for (unsigned char c : r.line()) {
    ASSERT_GE(c, 0x20) << "a raw control byte in the line: " << r.line();
  }
  EXPECT_NE(r.line().find("\\u2028"), std::string::npos) << "U+2028 is escaped";
}

TEST_F(Hostile, TenThousandSansAreAllReported) {
  Record r = scan_one("manysans");
  ASSERT_EQ(r.str("/status"), "ok") << r.line().substr(0, 500);
  std::vector<std::string> sans = r.strings("/cert/san");
  ASSERT_EQ(sans.size(), std::stoul(h().value("HOSTILE_MANY_SANS")));
  EXPECT_EQ(sans.front(), "0.m");
  EXPECT_EQ(sans.back(), "9999.m");
}

TEST_F(Hostile, TwelveCertificateChainOver64KbIsServedAndAnalysed) {
  ASSERT_GE(std::stoul(h().value("HOSTILE_CHAIN_BYTES")), 64u * 1024);
  Record r = scan_one("longchain");
  ASSERT_EQ(r.str("/status"), "ok") << r.line();
  EXPECT_EQ(r.size("/chain/served"), 12);
  EXPECT_FALSE(r.boolean("/chain/trusted"));
  EXPECT_TRUE(r.boolean("/chain/ordered")) << r.line();
}

// The same chain under a read cap smaller than it: the cap applies to real servers too.
TEST_F(Hostile, ChainLargerThanTheReadCapStopsAtTheCap) {
  Record r = scan_one("longchain", {"--max-read", "65536"});
  expect_error(r, "tls_error", {"READ_LIMIT"});
}

// Many connections to the raw peers at once: the peers' misbehaviour must not leak
// from one endpoint into another.
TEST_F(Hostile, ManyHostileConnectionsAtOnceKeepTheirOwnOutcome) {
  const std::vector<std::string> raw = {"garbage", "badrecord", "dribble", "acceptclose",
                                        "reset",   "hugemsg",   "endless", "hrr"};
  std::vector<std::string> peers;
  for (int i = 0; i < 8; ++i) peers.insert(peers.end(), raw.begin(), raw.end());
  // All 64 at once: --per-host 0 lifts the one-at-a-time default, and one worker thread
  // takes them in one batch of 64, before any reset or timeout makes the politeness
  // backoff hold back the later endpoints to the same peer.
  ScanRun run = scan_peers(peers, {"-c", "100", "--per-host", "0", "--threads", "1"});
  ASSERT_EQ(run.records.size(), peers.size());
  std::map<std::string, std::set<std::string>> codes_by_ip;
  for (const Record& r : run.records) {
    expect_finished_in_time(r);
    codes_by_ip[r.str("/ip")].insert(r.str("/error/code"));
  }
  for (const std::string& peer : raw) {
    auto codes = codes_by_ip[h().ip(peer)];
    if (peer == "acceptclose") continue;  // FIN or RST, by the race the peer sets up
    EXPECT_EQ(codes.size(), 1u) << peer << " gave different outcomes";
  }
}

}  // namespace
}  // namespace tlsfleet::integration
