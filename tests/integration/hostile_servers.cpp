#include "tests/integration/hostile_servers.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "tests/integration/fleet_environment.h"

namespace tlsfleet::integration {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Long enough for the slowest (sanitizer) run of every hostile test; the server ends
// itself after this even if nobody stops it.
constexpr int kLifetimeSeconds = 1800;
constexpr auto kStartLimit = std::chrono::seconds(30);
constexpr auto kStopLimit = std::chrono::seconds(10);

std::string tail_of(const fs::path& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > 2000 ? "..." + text.substr(text.size() - 2000) : text;
}

class Runner {
 public:
  const HostileServers* start(std::string* why) {
    if (tried_) {
      if (!servers_) *why = why_;
      return servers_.get();
    }
    tried_ = true;
    servers_ = launch(&why_);
    if (!servers_) *why = why_;
    return servers_.get();
  }

  void stop() {
    if (pid_ > 0) terminate();
    if (!dir_.empty() && env_or("TLSFLEET_KEEP_FLEET", "") != "1") {
      std::error_code ignored;
      fs::remove_all(dir_, ignored);
      dir_.clear();
    }
  }

 private:
  void terminate() {
    kill(pid_, SIGTERM);
    auto deadline = Clock::now() + kStopLimit;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        kill(-pid_, SIGKILL);  // the server and its s_server children
        waitpid(pid_, &status, 0);
        ADD_FAILURE() << "hostile_server.py did not stop within 10 s; killed";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
  }

  std::unique_ptr<HostileServers> launch(std::string* why) {
    fs::path source = env_or("TLSFLEET_SOURCE_DIR", fs::path(__FILE__).parent_path() / "../..");
    fs::path script = source / "tests/integration/hostile_server.py";
    if (!fs::exists(script)) {
      *why = script.string() + " not found";
      return nullptr;
    }
    std::string tmpl = (fs::temp_directory_path() / "tlsfleet-hostile.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      *why = "mkdtemp failed";
      return nullptr;
    }
    dir_ = tmpl;
    fs::path log = fs::path(dir_) / "server.log";
    std::vector<std::string> args = {"python3",     script.string(),
                                     "--dir",       dir_,
                                     "--net",       hostile_net(),
                                     "--port",      fleet().port(),
                                     "--owner-pid", std::to_string(getpid()),
                                     "--lifetime",  std::to_string(kLifetimeSeconds)};
    pid_ = fork();
    if (pid_ < 0) {
      *why = "fork failed";
      return nullptr;
    }
    if (pid_ == 0) {
      setpgid(0, 0);  // its own group, so a stop can take its children too
      int devnull = open("/dev/null", O_RDONLY);
      int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(devnull, 0);
      dup2(out, 1);
      dup2(out, 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp(argv[0], argv.data());
      _exit(127);
    }
    setpgid(pid_, pid_);
    fs::path env = fs::path(dir_) / "hostile.env";
    auto deadline = Clock::now() + kStartLimit;
    while (!fs::exists(env)) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        *why = "hostile_server.py exited at start:\n" + tail_of(log);
        return nullptr;
      }
      if (Clock::now() > deadline) {
        *why = "hostile_server.py not ready after 30 s:\n" + tail_of(log);
        stop();
        return nullptr;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return std::make_unique<HostileServers>(read_env_file(env));
  }

  bool tried_ = false;
  std::string why_;
  pid_t pid_ = -1;
  std::string dir_;
  std::unique_ptr<HostileServers> servers_;
};

Runner& runner() {
  static Runner r;
  return r;
}

// Stops the servers once every test ran (if a test started them).
class HostileEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { runner().stop(); }
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new HostileEnvironment);

}  // namespace

std::string HostileServers::value(const std::string& key) const {
  auto it = env_.find(key);
  if (it == env_.end()) {
    ADD_FAILURE() << key << " is not in hostile.env";
    return {};
  }
  return it->second;
}

std::string HostileServers::ip(const std::string& behaviour) const {
  std::string key = "HOSTILE_" + behaviour + "_IP";
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return value(key);
}

const HostileServers* hostile_servers(std::string* why) { return runner().start(why); }

// 127.88.<second octet of FLEET_NET>: each fleet block gets its own hostile block.
std::string hostile_net() {
  std::string net = env_or("HOSTILE_NET", "");
  if (!net.empty()) return net;
  std::string fleet_net = fleet().net();  // "127.84.0"
  size_t first = fleet_net.find('.');
  size_t second = fleet_net.find('.', first + 1);
  if (first == std::string::npos || second == std::string::npos) return "127.88.0";
  return "127.88." + fleet_net.substr(first + 1, second - first - 1);
}

}  // namespace tlsfleet::integration
