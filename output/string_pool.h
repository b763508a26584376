// Interns strings as 32-bit ids, so that the many records repeating a value (an issuer, a
// cipher suite, a finding id, a target shared by a whole CIDR) store it once. Used by
// `diff` to keep one side of a comparison compact in memory.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tlsfleet::output {

class StringPool {
 public:
  // Id 0 is the empty string.
  StringPool() { intern({}); }
  StringPool(const StringPool&) = delete;
  StringPool& operator=(const StringPool&) = delete;

  // The id of `text`, adding it when new.
  uint32_t intern(std::string_view text) {
    if (auto it = ids_.find(text); it != ids_.end()) return it->second;
    const auto id = static_cast<uint32_t>(strings_.size());
    // A deque never moves its elements, so the view the map keeps stays valid.
    const std::string& stored = strings_.emplace_back(text);
    ids_.emplace(std::string_view(stored), id);
    return id;
  }

  // The id of `text` when it was interned, without adding it.
  std::optional<uint32_t> find(std::string_view text) const {
    if (auto it = ids_.find(text); it != ids_.end()) return it->second;
    return std::nullopt;
  }

  std::string_view get(uint32_t id) const { return strings_[id]; }
  std::size_t size() const { return strings_.size(); }

 private:
  std::deque<std::string> strings_;
  std::unordered_map<std::string_view, uint32_t> ids_;
};

}  // namespace tlsfleet::output
