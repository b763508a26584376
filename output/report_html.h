// `tlsfleet report SCAN --html FILE`: the fleet summary as one self-contained HTML page.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "output/report_model.h"

namespace tlsfleet::output {

// Rows of the endpoint table at most (worst first); a fleet larger than this is summed up
// in the charts and counted under the table.
inline constexpr std::size_t kHtmlTableRows = 5000;

// One HTML document that needs nothing else: CSS, the sorting script and the charts (inline
// SVG: expiry timeline, negotiated versions, findings by cause) are all inside, and a
// Content-Security-Policy forbids loading anything from elsewhere. The endpoint table
// sorts on a click on its header, and `#sort=KEY` or `#sort=-KEY` in the URL (KEY one of
// endpoint, sni, status, version, cipher, days, expires, issuer, severity, findings) sorts
// it on load. Every string from the scan is escaped by html_escape(), and none is placed
// inside the script, so a hostile certificate subject stays text.
std::string render_report_html(const FleetReport& report, const ScanFile& scan);

// `text` as HTML text or a double- or single-quoted attribute value: & < > " ' become
// entities and control characters other than tab and newline are dropped.
std::string html_escape(std::string_view text);

}  // namespace tlsfleet::output
