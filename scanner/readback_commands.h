// `tlsfleet diff` and `tlsfleet report`: the commands that read scan files back. The
// work is in output/ (diff.h, report_*.h); these run it against stdout, stderr and files
// and turn the outcome into the exit status.
#pragma once

#include <string>

namespace tlsfleet::scanner {

// Change events between two scan files on stdout, a summary line on stderr. Returns 0
// (malformed lines are reported, not fatal), 2 when a file cannot be read, 3 when stdout
// cannot be written.
int run_diff_command(const std::string& old_path, const std::string& new_path);

// The fleet summary as text on stdout and, when html_path is not empty, as one HTML file.
// Returns 0, 2 when the scan file cannot be read, 3 when the HTML cannot be written.
int run_report_command(const std::string& scan_path, const std::string& html_path);

}  // namespace tlsfleet::scanner
