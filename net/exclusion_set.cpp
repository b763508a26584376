#include "net/exclusion_set.h"

#include <algorithm>

namespace tlsfleet::net {

namespace {

// True when b starts inside a or right after it, so the two are one interval. Written
// as a subtraction-free test so that a range ending at the family's last address cannot
// overflow.
bool overlaps_or_touches(const AddressRange& a, const AddressRange& b) {
  return b.first.value() <= a.last.value() || b.first.value() - a.last.value() == 1;
}

bool first_less(const AddressRange& a, const AddressRange& b) {
  return a.first.value() < b.first.value();
}

}  // namespace

std::vector<AddressRange>& ExclusionSet::ranges_for(IpAddress::Family family) {
  return family == IpAddress::Family::kV4 ? v4_ : v6_;
}

const std::vector<AddressRange>& ExclusionSet::ranges_for(IpAddress::Family family) const {
  return family == IpAddress::Family::kV4 ? v4_ : v6_;
}

void ExclusionSet::normalize(std::vector<AddressRange>& ranges) {
  std::sort(ranges.begin(), ranges.end(), first_less);
  size_t out = 0;
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (out > 0 && overlaps_or_touches(ranges[out - 1], ranges[i])) {
      if (ranges[i].last.value() > ranges[out - 1].last.value()) {
        ranges[out - 1].last = ranges[i].last;
      }
    } else {
      ranges[out++] = ranges[i];
    }
  }
  ranges.resize(out);
}

void ExclusionSet::add(const AddressRange& range) {
  std::vector<AddressRange>& ranges = ranges_for(range.first.family());
  // Find the first interval that could merge with range (it ends at or after
  // range.first - 1), then swallow every interval that starts at or before range.last + 1.
  auto begin = std::lower_bound(
      ranges.begin(), ranges.end(), range, [](const AddressRange& held, const AddressRange& added) {
        return !overlaps_or_touches(held, added) && held.last.value() < added.first.value();
      });
  AddressRange merged = range;
  auto end = begin;
  while (end != ranges.end() && overlaps_or_touches(merged, *end)) {
    if (end->first.value() < merged.first.value()) merged.first = end->first;
    if (end->last.value() > merged.last.value()) merged.last = end->last;
    ++end;
  }
  begin = ranges.erase(begin, end);
  ranges.insert(begin, merged);
}

size_t ExclusionSet::load(std::istream& in, const TargetReader::ErrorHandler& on_error) {
  TargetReader reader(in, on_error);
  size_t added = 0;
  while (auto target = reader.next()) {
    const char* reason = nullptr;
    if (target->kind == TargetKind::kName || target->kind == TargetKind::kNameAtAddress) {
      reason = "exclusions must be addresses, CIDRs or ranges, not names";
    } else if (target->port) {
      reason = "exclusions apply to whole addresses; drop the port";
    }
    if (reason != nullptr) {
      if (on_error) on_error(reader.line_number(), reason);
      continue;
    }
    // Appended unsorted and normalised once below: a file of a million lines costs one
    // sort instead of a million insertions.
    ranges_for(target->range.first.family()).push_back(target->range);
    ++added;
  }
  normalize(v4_);
  normalize(v6_);
  return added;
}

bool ExclusionSet::contains(const IpAddress& a) const {
  const std::vector<AddressRange>& ranges = ranges_for(a.family());
  // The last interval starting at or before a is the only one that can hold it.
  auto after =
      std::upper_bound(ranges.begin(), ranges.end(), a.value(),
                       [](u128 value, const AddressRange& r) { return value < r.first.value(); });
  if (after == ranges.begin()) return false;
  return std::prev(after)->last.value() >= a.value();
}

}  // namespace tlsfleet::net
