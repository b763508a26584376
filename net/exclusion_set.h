// ExclusionSet: addresses never to connect to (--exclude). Stored as sorted, merged
// intervals per family, so contains() is a binary search however many lines were given.
// The set is kept normalised by every change, so the const members really are read-only
// and may be called from many worker threads at the same time once loading is done.
#pragma once

#include <istream>
#include <vector>

#include "net/address_range.h"
#include "net/target_reader.h"

namespace tlsfleet::net {

class ExclusionSet {
 public:
  // Adds one range, merging it with any range it overlaps or touches.
  void add(const AddressRange& range);
  // Reads addresses, CIDRs and a-b ranges, one per line ('#' comments, blank lines);
  // other lines (names, ports, garbage) are reported through on_error and skipped.
  // Returns the count of lines added.
  size_t load(std::istream& in, const TargetReader::ErrorHandler& on_error);
  bool contains(const IpAddress& a) const;
  bool empty() const { return v4_.empty() && v6_.empty(); }
  // Disjoint, non-adjacent intervals held after merging (both families).
  size_t range_count() const { return v4_.size() + v6_.size(); }

 private:
  // Sorts ranges and merges overlapping or adjacent ones in place.
  static void normalize(std::vector<AddressRange>& ranges);
  std::vector<AddressRange>& ranges_for(IpAddress::Family family);
  const std::vector<AddressRange>& ranges_for(IpAddress::Family family) const;

  std::vector<AddressRange> v4_, v6_;  // each sorted by first, disjoint, non-adjacent
};

}  // namespace tlsfleet::net
