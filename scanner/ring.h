// A FIFO of reused slots: std::deque's push_back/pop_front without an allocation per node.
// libstdc++'s deque gives an element a node of its own once it passes 256 bytes (the
// plan's Stream) and one per two at 180 (a PlannedItem): an allocation and a free every
// name or two of a sweep. Here the slots stay, grow by doubling when full, and a popped
// slot keeps its (moved-from) value until it is written again.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace tlsfleet::scanner {

template <typename T>
class Ring {
 public:
  bool empty() const { return count_ == 0; }
  std::size_t size() const { return count_; }
  T& front() { return slots_[head_]; }
  const T& front() const { return slots_[head_]; }

  void push_back(T&& value) {
    if (count_ == slots_.size()) grow();
    slots_[(head_ + count_) % slots_.size()] = std::move(value);
    ++count_;
  }
  // The front value is left in its slot, moved from or as it was; it is overwritten when
  // the slot is used again.
  void pop_front() {
    head_ = (head_ + 1) % slots_.size();
    --count_;
  }
  // The front goes to the back; without a move when every slot is in use.
  void rotate() {
    if (count_ < 2) return;
    if (count_ == slots_.size()) {
      head_ = (head_ + 1) % slots_.size();
      return;
    }
    slots_[(head_ + count_) % slots_.size()] = std::move(slots_[head_]);
    head_ = (head_ + 1) % slots_.size();
  }

 private:
  void grow() {
    std::vector<T> bigger(slots_.empty() ? 4 : 2 * slots_.size());
    for (std::size_t i = 0; i < count_; ++i) {
      bigger[i] = std::move(slots_[(head_ + i) % slots_.size()]);
    }
    slots_.swap(bigger);
    head_ = 0;
  }

  std::vector<T> slots_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

}  // namespace tlsfleet::scanner
