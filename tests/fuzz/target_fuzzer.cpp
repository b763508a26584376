// Target grammar on arbitrary bytes: parse_target() on the whole input as one item, then
// TargetReader on it as a file. Nothing may crash, hang or read out of bounds; a parsed
// target must describe a range it can walk to both ends.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include "net/target.h"
#include "net/target_reader.h"

namespace {

using tlsfleet::net::Target;
using tlsfleet::net::TargetKind;

void check(const Target& t) {
  if (t.kind == TargetKind::kName || t.kind == TargetKind::kNameAtAddress) {
    if (t.host.empty()) std::abort();  // a name target always has a name
  }
  if (t.kind != TargetKind::kName) {
    if (t.range.last < t.range.first) std::abort();
    if (t.range.first.family() != t.range.last.family()) std::abort();
    tlsfleet::net::u128 size = t.range.size();
    if (size == 0) std::abort();
    // Both ends of the walk map back to the range's ends.
    if (t.range.at(0) != t.range.first) std::abort();
    if (size != ~tlsfleet::net::u128{0} && t.range.at(size - 1) != t.range.last) std::abort();
    (void)t.range.first.to_string();
    (void)t.range.last.to_string();
  }
  if (t.port && *t.port == 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = tlsfleet::net::parse_target(text);
  if (auto* target = std::get_if<Target>(&parsed)) {
    check(*target);
  } else if (std::get<std::string>(parsed).empty()) {
    std::abort();  // a refusal always says why
  }

  std::istringstream in{std::string(text)};
  size_t reported = 0;
  tlsfleet::net::TargetReader reader(in, [&](size_t line, const std::string& reason) {
    if (line == 0 || reason.empty()) std::abort();
    ++reported;
  });
  while (auto t = reader.next()) check(*t);
  if (reported != reader.bad_lines()) std::abort();
  return 0;
}
