// ExclusionSet: addresses never to connect to (--exclude). Stored as sorted, merged
// intervals per family, so contains() is a binary search however many lines were given.
#pragma once

#include <istream>
#include <vector>

#include "net/address_range.h"
#include "net/target_reader.h"

namespace tlsfleet::net {

class ExclusionSet {
 public:
  void add(const AddressRange& range);
  // Reads addresses, CIDRs and a-b ranges, one per line ('#' comments, blank lines);
  // other lines are reported through on_error and skipped. Returns the count added.
  size_t load(std::istream& in, const TargetReader::ErrorHandler& on_error);
  bool contains(const IpAddress& a) const;
  bool empty() const { return v4_.empty() && v6_.empty(); }

 private:
  void normalize(std::vector<AddressRange>& ranges);
  std::vector<AddressRange> v4_, v6_;
  bool dirty_ = false;
  mutable bool sorted_ = true;
};

}  // namespace tlsfleet::net
