// The plan's read-ahead thread: same items and positions as reading inline, next_batch
// never waits for input, ready() says when to ask again, stop() ends a reader that waits
// for a pipe that never delivers, and checkpoints never count queued items as handed out.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <future>
#include <mutex>
#include <set>

#include "scanner/plan.h"

namespace tlsfleet::scanner {
namespace {

using namespace std::chrono_literals;

// Bounds every wait, so a plan that blocks fails the test instead of hanging it.
constexpr auto kGuard = 10s;

// Counts ready() calls and lets the test wait for the next one.
class ReadySignal {
 public:
  std::function<void()> callback() {
    return [this] {
      std::lock_guard<std::mutex> lock(mutex_);
      ++calls_;
      cv_.notify_all();
    };
  }
  // Waits until more than `seen` calls happened; false on the guard's timeout.
  bool wait_past(size_t seen) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, kGuard, [&] { return calls_ > seen; });
  }
  size_t calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  size_t calls_ = 0;
};

std::unique_ptr<Plan> make(PlanInput input) {
  std::string error;
  auto plan = Plan::create(std::move(input), &error);
  EXPECT_TRUE(plan) << error;
  return plan;
}

// Drains a read-ahead plan the way a worker does: take what is ready, else wait for ready().
std::vector<PlannedItem> drain_async(Plan& plan, ReadySignal& ready, size_t batch = 5) {
  std::vector<PlannedItem> all;
  while (true) {
    size_t seen = ready.calls();
    size_t before = all.size();
    if (!plan.next_batch(all, batch)) break;
    if (all.size() == before && !ready.wait_past(seen)) {
      ADD_FAILURE() << "no ready() within the guard while the plan had more to come";
      break;
    }
  }
  return all;
}

std::vector<PlannedItem> drain_sync(Plan& plan, size_t batch = 5) {
  std::vector<PlannedItem> all;
  while (plan.next_batch(all, batch)) {
  }
  return all;
}

std::string key(const PlannedItem& p) {
  std::string k = std::to_string(static_cast<uint64_t>(p.position)) + " ";
  if (const auto* e = std::get_if<EndpointSpec>(&p.item)) {
    return k + e->ip.to_string() + ":" + std::to_string(e->port);
  }
  return k + "name " + std::get<LookupSpec>(p.item).name;
}

std::vector<std::string> keys(const std::vector<PlannedItem>& items) {
  std::vector<std::string> out;
  for (const auto& p : items) out.push_back(key(p));
  return out;
}

struct TempFile {
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/tlsfleet-plan-XXXXXX";
    int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    close(fd);
    path = name;
    std::ofstream(path) << text;
  }
  ~TempFile() { std::remove(path.c_str()); }
  std::string path;
};

// A pipe whose read end is given to the plan as /dev/fd/N, as `-i <(generator)` does.
struct Pipe {
  Pipe() {
    EXPECT_EQ(pipe(fds), 0);
    path = "/dev/fd/" + std::to_string(fds[0]);
  }
  ~Pipe() {
    close_writer();
    close(fds[0]);
  }
  void write_line(const std::string& line) {
    std::string text = line + "\n";
    EXPECT_EQ(write(fds[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  void close_writer() {
    if (fds[1] >= 0) close(fds[1]);
    fds[1] = -1;
  }
  int fds[2] = {-1, -1};
  std::string path;
};

PlanInput shuffled_input(const std::string& file) {
  PlanInput in;
  in.arguments = {"10.1.0.0/27", "name.test", "bad target here"};
  in.files = {file};
  in.ports = {443, 8443};
  in.shuffle = true;
  in.seed = 42;
  return in;
}

TEST(PlanReadAhead, HandsOutTheSameItemsAtTheSamePositionsAsReadingInline) {
  TempFile file("10.2.0.0/28\n# comment\nnot-a-target!!\nother.test:9443\n10.3.0.1-10.3.0.40\n");
  auto inline_plan = make(shuffled_input(file.path));
  auto inline_items = drain_sync(*inline_plan);
  ASSERT_EQ(inline_items.size(), 32u * 2 + 1 + 16 * 2 + 1 + 40 * 2);

  auto plan = make(shuffled_input(file.path));
  ReadySignal ready;
  // A small queue, so the reader waits for room many times on the way.
  plan->read_ahead(ready.callback(), 3);
  auto ahead_items = drain_async(*plan, ready);
  EXPECT_EQ(keys(ahead_items), keys(inline_items));
  EXPECT_TRUE(plan->count().final);
  // Names count one endpoint per port: name.test twice, other.test:9443 once.
  EXPECT_EQ(static_cast<uint64_t>(plan->count().endpoints), inline_items.size() + 1);
  EXPECT_TRUE(plan->count().endpoints == inline_plan->count().endpoints);
  EXPECT_EQ(plan->bad_targets(), 2u);
  EXPECT_EQ(plan->valid_targets(), 5u);
  EXPECT_FALSE(plan->next_batch(ahead_items, 5)) << "an exhausted plan stays exhausted";
}

TEST(PlanReadAhead, EveryQueueSizeAndBatchSizeHandsOutEverything) {
  // The reader waits on a full queue until the workers took half of it: queues of one to
  // four items, taken one or two at a time, must neither stall nor lose or reorder items.
  TempFile file("10.2.0.0/28\nother.test:9443\n10.3.0.1-10.3.0.20\n");
  auto inline_plan = make(shuffled_input(file.path));
  const auto expected = keys(drain_sync(*inline_plan));
  for (size_t capacity : {1, 2, 3, 4}) {
    for (size_t batch : {1, 2}) {
      auto plan = make(shuffled_input(file.path));
      ReadySignal ready;
      plan->read_ahead(ready.callback(), capacity);
      EXPECT_EQ(keys(drain_async(*plan, ready, batch)), expected)
          << "queue of " << capacity << ", batches of " << batch;
    }
  }
}

TEST(PlanReadAhead, NextBatchNeverWaitsForASlowPipe) {
  Pipe input;
  PlanInput in;
  in.files = {input.path};
  in.ports = {443};
  // As `scan` plans: the shuffle window of Plan::kWindow targets is not waited for either.
  in.shuffle = true;
  auto plan = make(in);
  ReadySignal ready;
  plan->read_ahead(ready.callback());

  input.write_line("10.9.0.1");
  std::vector<PlannedItem> got;
  size_t seen = ready.calls();
  if (plan->next_batch(got, 10) && got.empty()) {
    ASSERT_TRUE(ready.wait_past(seen)) << "the first target never became ready";
    ASSERT_TRUE(plan->next_batch(got, 10));
  }
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(std::get<EndpointSpec>(got[0].item).ip.to_string(), "10.9.0.1");

  // The writer is still open with nothing more in the pipe: next_batch answers at once
  // (run on another thread so that a blocking call fails the test instead of hanging it).
  seen = ready.calls();
  auto answer = std::async(std::launch::async, [&] {
    std::vector<PlannedItem> none;
    bool more = plan->next_batch(none, 10);
    return std::make_pair(more, none.size());
  });
  ASSERT_EQ(answer.wait_for(kGuard), std::future_status::ready) << "next_batch waited for input";
  EXPECT_EQ(answer.get(), std::make_pair(true, size_t{0}));
  EXPECT_FALSE(plan->count().final);

  // More input wakes the caller that found nothing.
  input.write_line("10.9.0.2");
  ASSERT_TRUE(ready.wait_past(seen)) << "ready() was not called when the next target came";
  got.clear();
  ASSERT_TRUE(plan->next_batch(got, 10));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(std::get<EndpointSpec>(got[0].item).ip.to_string(), "10.9.0.2");

  // The end of the input too.
  seen = ready.calls();
  EXPECT_TRUE(plan->next_batch(got, 10));
  input.close_writer();
  ASSERT_TRUE(ready.wait_past(seen)) << "ready() was not called at the end of the input";
  EXPECT_FALSE(plan->next_batch(got, 10));
  EXPECT_TRUE(plan->count().final);
}

TEST(PlanReadAhead, WhatWasReadBeforeAPauseInTheInputIsHandedOutDuringIt) {
  // The reader queues what it reads in batches of Plan::kReadBatch; a batch must not wait
  // for input that has not come. Three names written to a pipe that stays open must all
  // be handed out, in order and in a shuffled plan, with or without a checkpoint ledger.
  for (bool checkpointed : {false, true}) {
    for (bool shuffle : {false, true}) {
      Pipe input;
      ProgressLedger ledger(nullptr);
      PlanInput in;
      in.files = {input.path};
      in.ports = {443};
      in.shuffle = shuffle;
      if (checkpointed) in.ledger = &ledger;
      auto plan = make(in);
      ReadySignal ready;
      plan->read_ahead(ready.callback());
      input.write_line("a.test\nb.test\nc.test");
      std::set<std::string> names;
      if (checkpointed && shuffle) {
        // A checkpointed shuffle keeps the same order every run, so it fills its window
        // (Plan::kWindow targets) first, waiting for the input if need be: only the end of
        // the input releases these three.
        input.close_writer();
        for (const auto& p : drain_async(*plan, ready)) {
          names.insert(std::get<LookupSpec>(p.item).name);
        }
      }
      auto deadline = std::chrono::steady_clock::now() + kGuard;
      while (names.size() < 3 && std::chrono::steady_clock::now() < deadline) {
        std::vector<PlannedItem> got;
        size_t seen = ready.calls();
        ASSERT_TRUE(plan->next_batch(got, 10));
        for (const auto& p : got) names.insert(std::get<LookupSpec>(p.item).name);
        if (got.empty() && !ready.wait_past(seen)) break;
      }
      EXPECT_EQ(names, (std::set<std::string>{"a.test", "b.test", "c.test"}))
          << (checkpointed ? "checkpointed" : "no checkpoint") << ", "
          << (shuffle ? "shuffled" : "in order");
    }
  }
}

TEST(PlanReadAhead, StopEndsAReaderWaitingForInputThatNeverComes) {
  Pipe input;
  PlanInput in;
  in.files = {input.path};
  in.ports = {443};
  auto plan = make(in);
  ReadySignal ready;
  plan->read_ahead(ready.callback());
  std::vector<PlannedItem> got;
  EXPECT_TRUE(plan->next_batch(got, 10));
  auto stopped = std::async(std::launch::async, [&] { plan->stop(); });
  ASSERT_EQ(stopped.wait_for(kGuard), std::future_status::ready)
      << "stop() waited for input that never came";
  EXPECT_FALSE(plan->next_batch(got, 10)) << "nothing is handed out after stop()";
  EXPECT_TRUE(got.empty());
}

TEST(PlanReadAhead, CheckpointCursorNeverPassesQueuedItems) {
  TempFile file("10.5.0.0/26\n10.6.0.0/27\n");
  ProgressLedger ledger(nullptr);
  PlanInput in = shuffled_input(file.path);
  in.ledger = &ledger;
  auto plan = make(in);
  ReadySignal ready;
  plan->read_ahead(ready.callback(), 16);
  std::vector<PlannedItem> first;
  while (first.size() < 3) {
    size_t seen = ready.calls();
    size_t before = first.size();
    ASSERT_TRUE(plan->next_batch(first, 3 - first.size()));
    if (first.size() == before) {
      ASSERT_TRUE(ready.wait_past(seen));
    }
  }
  // Let the reader fill its queue well past what was handed out.
  std::this_thread::sleep_for(100ms);
  CheckpointState state = ledger.snapshot();
  EXPECT_FALSE(state.complete);
  EXPECT_EQ(state.unfinished.size(), 3u) << "handed out, not written";
  auto rest = drain_async(*plan, ready);
  ASSERT_FALSE(rest.empty());
  for (const auto& p : rest) {
    EXPECT_TRUE(p.position >= state.cursor)
        << "position " << static_cast<uint64_t>(p.position)
        << " was handed out after a checkpoint said it was done";
  }
  EXPECT_TRUE(ledger.snapshot().cursor >= rest.back().position + 1);
}

}  // namespace
}  // namespace tlsfleet::scanner
