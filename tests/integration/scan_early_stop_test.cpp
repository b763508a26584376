// Standard depth stops its probes early: only the main handshake and the one that supplies
// a session ID to resume run to the end; the version, no-SNI and resumption probes stop at
// the ServerHello (or the server's certificate) and drop the connection. A Python TLS
// server (OpenSSL underneath, session cache and tickets on) says, per connection, whether
// the handshake completed on its side; the record must say what a complete scan says.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/integration/fleet_environment.h"
#include "tests/integration/process_runner.h"
#include "tests/integration/record_expectations.h"
#include "tests/integration/scan_run.h"

namespace tlsfleet::integration {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Serves TLS on ADDRESS (an ephemeral port, written to PORTFILE) until IDLE seconds pass
// without a connection; logs one line per connection when it ends:
// "complete|incomplete <sni or -> <version or ->".
constexpr const char* kServer = R"PY(
import socket, ssl, sys, threading, time
address, chain, key, portfile, logfile, max_version = sys.argv[1:7]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(chain, key)
if max_version == "1.2":
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
names = {}
def on_sni(sock, name, _):
    names[id(sock)] = name or "-"
ctx.sni_callback = on_sni
lock = threading.Lock()
log = open(logfile, "a", buffering=1)
def serve(conn):
    s = ctx.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
    outcome, version = "incomplete", "-"
    try:
        s.settimeout(10)
        s.do_handshake()
        outcome, version = "complete", s.version()
        while s.recv(4096):
            pass
        s.unwrap()  # a session closed without close_notify leaves OpenSSL's cache
    except Exception:
        pass
    finally:
        with lock:
            log.write("%s %s %s\n" % (outcome, names.get(id(s), "-"), version))
        s.close()
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((address, 0))
srv.listen(64)
srv.settimeout(20)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.getsockname()[1]))
import os
os.rename(portfile + ".tmp", portfile)
while True:
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        break
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
time.sleep(1)
)PY";

struct Server {
  std::string address;
  std::string port;
  std::string log;
};

// Starts the server in the background (it stops by itself when idle); "" port on failure.
Server start_server(const std::string& name, const std::string& max_version, int host) {
  const Fleet& f = fleet();
  fs::path dir = fs::path(f.dir()) / ("early-stop-" + name);
  fs::create_directories(dir);
  std::ofstream(dir / "server.py") << kServer;
  fs::path pki = fs::path(f.dir()) / "pki";
  {
    std::ifstream leaf(pki / "valid.pem"), intermediate(pki / "intermediate.pem");
    std::ofstream chain(dir / "chain.pem");
    chain << leaf.rdbuf() << intermediate.rdbuf();
  }
  Server s;
  s.address = f.net() + "." + std::to_string(host);
  s.log = (dir / "server.log").string();
  fs::path portfile = dir / "port";
  std::string command = "setsid python3 " + (dir / "server.py").string() + " " + s.address + " " +
                        (dir / "chain.pem").string() + " " + (pki / "valid.key").string() + " " +
                        portfile.string() + " " + s.log + " " + max_version + " </dev/null >" +
                        (dir / "server.out").string() + " 2>&1 &";
  ProcessResult started = run_process({"/bin/bash", "-c", command}, "", 10s);
  EXPECT_EQ(started.exit_code, 0) << started.describe();
  for (int i = 0; i < 100 && !fs::exists(portfile); ++i) std::this_thread::sleep_for(100ms);
  std::ifstream(portfile) >> s.port;
  EXPECT_FALSE(s.port.empty()) << "the Python TLS server did not start";
  return s;
}

// The server's log lines, once it has written `count` of them (or 5 s have passed).
std::vector<std::string> log_lines(const std::string& path, size_t count) {
  std::vector<std::string> lines;
  for (int i = 0; i < 50; ++i) {
    lines.clear();
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    if (lines.size() >= count) break;
    std::this_thread::sleep_for(100ms);
  }
  return lines;
}

size_t complete_handshakes(const std::vector<std::string>& lines) {
  size_t n = 0;
  for (const std::string& line : lines) n += line.rfind("complete ", 0) == 0;
  return n;
}

ScanOptions standard_depth() {
  ScanOptions options;
  options.depth = "standard";
  options.timeout = "5";
  return options;
}

void expect_record(const Record& r, bool tls13) {
  EXPECT_EQ(r.str("/status"), "ok") << r.line();
  EXPECT_EQ(r.str("/tls/version"), tls13 ? "TLSv1.3" : "TLSv1.2") << r.line();
  EXPECT_FALSE(r.boolean("/tls/protocols/TLSv1.1")) << r.line();
  EXPECT_TRUE(r.boolean("/tls/protocols/TLSv1.2")) << r.line();
  EXPECT_EQ(r.boolean("/tls/protocols/TLSv1.3"), tls13) << r.line();
  EXPECT_FALSE(r.boolean("/tls/protocols/SSLv3")) << r.line();
  EXPECT_TRUE(r.boolean("/tls/resumption/session_id")) << r.line();
  EXPECT_TRUE(r.boolean("/tls/resumption/ticket")) << r.line();
  EXPECT_FALSE(r.boolean("/tls/sni_required")) << r.line();
  EXPECT_EQ(normalize_hex(r.str("/tls/default_cert_sha256")), fleet().sha256("valid"));
  EXPECT_TRUE(r.boolean("/tls/default_cert_hostname_match")) << r.line();
  EXPECT_EQ(normalize_hex(r.str("/cert/sha256")), fleet().sha256("valid"));
  EXPECT_TRUE(r.boolean("/chain/trusted")) << r.line();
  expect_no_finding(r, "RESUMPTION_UNSUPPORTED");
  expect_no_finding(r, "SNI_REQUIRED");
}

// TLS 1.2 + 1.3: main handshake (TLS 1.3, ticket), versions up to 1.2 (accepted: the
// session-ID source) and up to 1.1 (a hand-built chain hello, refused: SSLv3 too), no SNI,
// ticket, session ID. Only the first two complete; the no-SNI and resumption probes stop
// early.
TEST(ScanEarlyStop, ModernServerCompletesOnlyTheMainHandshakeAndTheSessionIdSource) {
  Server server = start_server("modern", "1.3", 94);
  ASSERT_FALSE(server.port.empty());
  ScanRun run = scan({"valid.test@" + server.address + ":" + server.port}, standard_depth());
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);
  expect_record(*r, true);
  int64_t connections = r->integer("/connections");
  EXPECT_EQ(connections, 6) << r->line();
  std::vector<std::string> lines = log_lines(server.log, static_cast<size_t>(connections));
  std::ostringstream all;
  for (const std::string& line : lines) all << line << "\n";
  EXPECT_EQ(lines.size(), static_cast<size_t>(connections)) << all.str();
  EXPECT_EQ(complete_handshakes(lines), 2u) << "main + session-ID source only:\n" << all.str();
  EXPECT_NE(all.str().find("complete valid.test TLSv1.3"), std::string::npos) << all.str();
  EXPECT_NE(all.str().find("complete valid.test TLSv1.2"), std::string::npos) << all.str();
}

// TLS 1.2 only, tickets on: the main handshake takes a ticket (and an empty session ID),
// so the no-SNI probe, offering no ticket, draws the same certificate and a session ID and
// finishes as the session-ID source: main, up to 1.1 (a chain hello, refused: SSLv3 too),
// SSLv2, no SNI, ticket, session ID (offered without SNI, as the session was made). Six
// connections, two complete handshakes.
TEST(ScanEarlyStop, Tls12ServerCompletesOnlyTheMainHandshakeAndTheSessionIdSource) {
  Server server = start_server("tls12", "1.2", 95);
  ASSERT_FALSE(server.port.empty());
  ScanRun run = scan({"valid.test@" + server.address + ":" + server.port}, standard_depth());
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);
  expect_record(*r, false);
  int64_t connections = r->integer("/connections");
  EXPECT_EQ(connections, 6) << r->line();
  std::vector<std::string> lines = log_lines(server.log, static_cast<size_t>(connections));
  std::ostringstream all;
  for (const std::string& line : lines) all << line << "\n";
  EXPECT_EQ(lines.size(), static_cast<size_t>(connections)) << all.str();
  EXPECT_EQ(complete_handshakes(lines), 2u) << "main + session-ID source only:\n" << all.str();
  EXPECT_NE(all.str().find("complete valid.test TLSv1.2"), std::string::npos) << all.str();
  EXPECT_NE(all.str().find("complete - TLSv1.2"), std::string::npos)
      << "the no-SNI probe is the session-ID source:\n"
      << all.str();
}

}  // namespace
}  // namespace tlsfleet::integration
