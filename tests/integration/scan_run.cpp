#include "tests/integration/scan_run.h"

#include <gtest/gtest.h>

#include "tests/integration/fleet_environment.h"

namespace tlsfleet::integration {

std::vector<const Record*> ScanRun::with_ip(const std::string& ip) const {
  std::vector<const Record*> out;
  for (const Record& r : records) {
    if (r.has("/ip") && !r.is_null("/ip") && r.str("/ip") == ip) out.push_back(&r);
  }
  return out;
}

const Record* ScanRun::by_target(const std::string& target) const {
  const Record* found = nullptr;
  int count = 0;
  for (const Record& r : records) {
    if (r.has("/target") && r.str("/target") == target) {
      found = &r;
      ++count;
    }
  }
  if (count != 1) {
    ADD_FAILURE() << count << " records for target \"" << target << "\", expected 1; "
                  << process.describe() << "\nstdout:\n"
                  << process.out;
    return nullptr;
  }
  return found;
}

ScanRun run_tlsfleet(const std::vector<std::string>& args, const std::string& stdin_text,
                     std::chrono::milliseconds limit) {
  std::vector<std::string> argv = {tlsfleet_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  ScanRun run{run_process(argv, stdin_text, limit), {}};
  EXPECT_FALSE(run.process.timed_out) << "tlsfleet did not finish: " << run.describe();
  EXPECT_EQ(run.process.signal, 0) << "tlsfleet crashed: " << run.describe();

  const std::string& out = run.process.out;
  if (!out.empty()) {
    EXPECT_EQ(out.back(), '\n') << "stdout does not end with a newline (cut record?)";
  }
  size_t begin = 0, line_no = 1;
  while (begin < out.size()) {
    size_t end = out.find('\n', begin);
    if (end == std::string::npos) end = out.size();
    std::string_view line(out.data() + begin, end - begin);
    std::string error;
    if (auto record = Record::parse(line, &error)) {
      run.records.push_back(std::move(*record));
    } else {
      ADD_FAILURE() << "stdout line " << line_no << " is not one JSON object (" << error
                    << "): " << line;
    }
    begin = end + 1;
    ++line_no;
  }
  return run;
}

ScanRun scan(const std::vector<std::string>& extra, const ScanOptions& options) {
  const Fleet& f = fleet();
  std::vector<std::string> args = {"scan",          "--depth",       options.depth, "--resolver",
                                   f.resolver(),    "--ca-file",     f.ca_file(),   "--timeout",
                                   options.timeout, "--no-progress", "--ports",     f.port()};
  args.insert(args.end(), extra.begin(), extra.end());
  ScanRun run = run_tlsfleet(args, options.stdin_text);
  for (const Record& r : run.records) {
    SCOPED_TRACE("record " + r.label());
    expect_record_shape(r);
  }
  return run;
}

const Record* single_record(const ScanRun& run) {
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  if (run.records.size() != 1) {
    ADD_FAILURE() << run.records.size() << " records, expected 1; " << run.describe()
                  << "\nstdout:\n"
                  << run.process.out;
    return nullptr;
  }
  return &run.records.front();
}

}  // namespace tlsfleet::integration
