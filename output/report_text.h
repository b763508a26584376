// `tlsfleet report SCAN`: the fleet summary as plain text for a terminal or an e-mail.
#pragma once

#include <string>
#include <string_view>

#include "output/report_model.h"

namespace tlsfleet::output {

// How many expiring certificates the text lists one by one; the rest are counted.
inline constexpr std::size_t kTextExpiringListed = 20;
// How many issuers the text lists.
inline constexpr std::size_t kTextIssuersListed = 10;

// The report in sections: endpoints by status and by negotiated version (and accepted
// versions when probed), findings worst first with endpoint counts, certificates expiring
// within 7/30/90 days (and expired) with the soonest listed, top issuers, and the lines of
// the file that were not records. Every string from the scan goes through printable().
std::string render_report_text(const FleetReport& report);

// `text` safe to print on a terminal: C0 and C1 control characters, DEL and the Unicode
// bidirectional overrides (which can make a name read backwards) each become '?'.
std::string printable(std::string_view text);

}  // namespace tlsfleet::output
