#include "scanner/checkpoint.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace tlsfleet::scanner {
namespace {

std::string temp_path(const char* tag) {
  return std::string("/tmp/tlsfleet_checkpoint_") + tag + "_" + std::to_string(getpid());
}

CheckpointState sample() {
  CheckpointState s;
  s.fingerprint = std::string(64, 'a');
  s.seed = 18446744073709551615ULL;
  s.cursor = (static_cast<Position>(1) << 80) + 5;  // positions past 2^64 (IPv6 sweeps)
  s.unfinished = {3, 17, static_cast<Position>(1) << 70};
  s.records = 123456;
  s.complete = false;
  return s;
}

TEST(Checkpoint, RoundTripsThroughTheFile) {
  std::string path = temp_path("roundtrip");
  std::string error;
  ASSERT_TRUE(write_checkpoint(path, sample(), &error)) << error;
  EXPECT_NE(access((path + ".tmp").c_str(), F_OK), 0) << "the temporary file was renamed";
  auto read = read_checkpoint(path, &error);
  ASSERT_TRUE(read) << error;
  CheckpointState s = sample();
  EXPECT_EQ(read->fingerprint, s.fingerprint);
  EXPECT_EQ(read->seed, s.seed);
  EXPECT_TRUE(read->cursor == s.cursor);
  EXPECT_EQ(read->unfinished, s.unfinished);
  EXPECT_EQ(read->records, s.records);
  EXPECT_FALSE(read->complete);
  EXPECT_TRUE(read->finished(4));
  EXPECT_FALSE(read->finished(17)) << "listed as unfinished";
  EXPECT_FALSE(read->finished(s.cursor)) << "at or past the cursor: not reached";
  std::remove(path.c_str());
}

TEST(Checkpoint, MissingFileIsNotAnError) {
  std::string error = "stale";
  EXPECT_FALSE(read_checkpoint("/tmp/tlsfleet_no_such_checkpoint_xyz", &error));
  EXPECT_TRUE(error.empty()) << error;
}

TEST(Checkpoint, DamagedFilesAreRefusedWithAReason) {
  std::string path = temp_path("damaged");
  std::string error;
  ASSERT_TRUE(write_checkpoint(path, sample(), &error));
  std::string whole;
  {
    std::ifstream in(path);
    whole.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Cut anywhere before the end marker, or garbage: never accepted.
  for (size_t cut : {size_t{0}, size_t{10}, whole.size() / 2, whole.size() - 4}) {
    {
      std::ofstream out(path, std::ios::trunc);
      out << whole.substr(0, cut);
    }
    EXPECT_FALSE(read_checkpoint(path, &error)) << "cut at " << cut;
    EXPECT_NE(error.find("not a tlsfleet checkpoint"), std::string::npos) << error;
  }
  {
    std::ofstream out(path, std::ios::trunc);
    out << "{\"schema\":\"tlsfleet/1\"}\n";
  }
  EXPECT_FALSE(read_checkpoint(path, &error));
  std::remove(path.c_str());
}

TEST(Checkpoint, LedgerCountsOnlyWrittenPositionsAndCarriesAResumeForward) {
  ProgressLedger ledger(nullptr);
  ledger.issued({0, 1, 2, 5}, 8, false);  // 3, 4, 6, 7 were skipped (other shard, ...)
  ledger.finished({{1, 1}, {5, 2}});
  CheckpointState s = ledger.snapshot();
  EXPECT_TRUE(s.cursor == 8);
  EXPECT_EQ(s.unfinished, (std::vector<Position>{0, 2}));
  EXPECT_EQ(s.records, 3u);
  EXPECT_TRUE(s.finished(3) && s.finished(1) && !s.finished(0));

  // The next run starts where this one stopped, even before its plan catches up.
  ProgressLedger next(&s);
  CheckpointState at_start = next.snapshot();
  EXPECT_TRUE(at_start.cursor == 8);
  EXPECT_EQ(at_start.unfinished, s.unfinished);
  next.issued({0}, 1, false);  // the resumed plan re-issues 0 (2 is still unfinished)
  next.issued({2}, 10, true);
  next.finished({{0, 1}, {2, 1}});
  CheckpointState end = next.snapshot();
  EXPECT_TRUE(end.cursor == 10);
  EXPECT_TRUE(end.unfinished.empty());
  EXPECT_EQ(end.records, 5u);
  EXPECT_TRUE(end.complete);
}

TEST(Checkpoint, FingerprintFollowsWhatDecidesThePlanOnly) {
  std::string path = temp_path("targets");
  {
    std::ofstream out(path);
    out << "10.0.0.0/24\n";
  }
  ScanOptions o;
  o.targets = {"a.test"};
  o.input_files = {path};
  std::string error;
  auto base = scan_fingerprint(o, &error);
  ASSERT_TRUE(base) << error;
  ScanOptions how = o;
  how.rate = 5;
  how.depth = Depth::kBasic;
  how.seed = 99;
  how.output = "elsewhere.ndjson";
  EXPECT_EQ(scan_fingerprint(how, &error), base) << "how to scan may change on resume";
  ScanOptions ports = o;
  ports.ports = {443, 8443};
  EXPECT_NE(scan_fingerprint(ports, &error), base);
  ScanOptions shard = o;
  shard.shard_index = 1;
  shard.shard_count = 2;
  EXPECT_NE(scan_fingerprint(shard, &error), base);
  {
    std::ofstream out(path, std::ios::app);
    out << "10.0.1.0/24\n";
  }
  EXPECT_NE(scan_fingerprint(o, &error), base) << "the input file's contents count";
  std::remove(path.c_str());
  EXPECT_FALSE(scan_fingerprint(o, &error));
  EXPECT_NE(error.find(path), std::string::npos) << error;
}

// A pipe (-i <(generator)) is known by its name: fingerprinting must not read it, or the
// scan would find it drained.
TEST(ScanFingerprint, PipeInputIsNotReadToFingerprintIt) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const std::string text = "10.0.0.1\n";
  ASSERT_EQ(write(fds[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fds[1]);
  ScanOptions o;
  o.input_files = {"/dev/fd/" + std::to_string(fds[0])};
  std::string error;
  EXPECT_TRUE(scan_fingerprint(o, &error)) << error;
  char buffer[64];
  ssize_t n = read(fds[0], buffer, sizeof buffer);
  close(fds[0]);
  EXPECT_EQ(std::string(buffer, n > 0 ? static_cast<size_t>(n) : 0), text);
}

}  // namespace
}  // namespace tlsfleet::scanner
