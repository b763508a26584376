// main() of integration_tests: starts the fleet once, runs every test, stops the fleet.
//
// TLSFLEET_BIN names the binary under test and TLSFLEET_SOURCE_DIR the source tree (ctest
// sets both). TLSFLEET_KEEP_FLEET=1 leaves the fleet's directory (certificates, configs,
// logs) behind for a look after a failure; the servers are stopped either way.
#include "tests/integration/fleet_environment.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>

#include "tests/integration/process_runner.h"

namespace tlsfleet::integration {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::unique_ptr<Fleet> g_fleet;
std::string g_binary;

class FleetEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    // Without TLSFLEET_SOURCE_DIR, this file's own folder holds fleet.sh.
    fs::path source = env_or("TLSFLEET_SOURCE_DIR", fs::path(__FILE__).parent_path() / "../..");
    fleet_script_ = fs::weakly_canonical(source / "tests/integration/fleet.sh");
    ASSERT_TRUE(fs::exists(fleet_script_)) << fleet_script_ << " not found";

    g_binary = env_or("TLSFLEET_BIN", "");
    ASSERT_FALSE(g_binary.empty()) << "TLSFLEET_BIN is not set (ctest sets it)";
    ASSERT_EQ(access(g_binary.c_str(), X_OK), 0)
        << "the tlsfleet binary " << g_binary << " is missing or not executable";

    std::string tmpl = (fs::temp_directory_path() / "tlsfleet-it.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr) << "mkdtemp failed";
    dir_ = tmpl;

    // If this run dies without stopping the fleet, the next start sees its owner is gone
    // and stops the leftover fleet before starting a new one.
    setenv("FLEET_OWNER_PID", std::to_string(getpid()).c_str(), 1);
    ProcessResult start =
        run_process({"/bin/bash", fleet_script_.string(), "start", dir_}, "", 60s);
    started_ = true;  // stop even after a half-failed start; stop copes with anything
    ASSERT_EQ(start.exit_code, 0) << "fleet.sh start failed: " << start.describe();
    auto env = read_env_file(fs::path(dir_) / "fleet.env");
    ASSERT_FALSE(env.empty()) << "no fleet.env in " << dir_;
    g_fleet = std::make_unique<Fleet>(std::move(env));
  }

  void TearDown() override {
    if (started_) {
      ProcessResult stop =
          run_process({"/bin/bash", fleet_script_.string(), "stop", dir_}, "", 60s);
      EXPECT_EQ(stop.exit_code, 0) << "fleet.sh stop failed: " << stop.describe();
    }
    if (!dir_.empty()) {
      if (env_or("TLSFLEET_KEEP_FLEET", "") == "1") {
        std::printf("fleet directory kept: %s\n", dir_.c_str());
      } else {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
      }
    }
    g_fleet.reset();
  }

 private:
  fs::path fleet_script_;
  std::string dir_;
  bool started_ = false;
};

}  // namespace

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

std::map<std::string, std::string> read_env_file(const std::filesystem::path& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

std::string Fleet::value(const std::string& key) const {
  auto it = env_.find(key);
  if (it == env_.end()) {
    ADD_FAILURE() << key << " is not in fleet.env";
    return {};
  }
  return it->second;
}

std::string Fleet::field(const std::string& scenario, const std::string& what) const {
  std::string key = "FLEET_" + scenario + "_" + what;
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return value(key);
}

const Fleet& fleet() {
  if (!g_fleet) throw std::logic_error("the fleet is not running (environment not set up)");
  return *g_fleet;
}

const std::string& tlsfleet_binary() { return g_binary; }

}  // namespace tlsfleet::integration

int main(int argc, char** argv) {
  // A scanner that exits before reading all of its stdin must not kill the test run.
  signal(SIGPIPE, SIG_IGN);
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new tlsfleet::integration::FleetEnvironment);
  return RUN_ALL_TESTS();
}
