#include "scanner/readback_commands.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "output/diff.h"
#include "output/report_html.h"
#include "output/report_model.h"
#include "output/report_text.h"
#include "scanner/scan.h"

namespace tlsfleet::scanner {

int run_diff_command(const std::string& old_path, const std::string& new_path) {
  bool write_failed = false;
  const output::LineSink sink = [&write_failed](std::string_view chunk) {
    write_failed = std::fwrite(chunk.data(), 1, chunk.size(), stdout) != chunk.size();
    return !write_failed;
  };
  output::DiffStats stats;
  std::string error;
  const bool ok = output::diff_scan_files(old_path, new_path, sink, &stats, &error);
  if (std::fflush(stdout) != 0) write_failed = true;
  if (write_failed) {
    std::cerr << "tlsfleet diff: writing the events to stdout failed\n";
    return kExitOutputError;
  }
  if (!ok) {
    std::cerr << "tlsfleet diff: " << error << "\n";
    return kExitUsage;
  }
  std::cerr << "tlsfleet diff: " << stats.describe() << "\n";
  return kExitOk;
}

int run_report_command(const std::string& scan_path, const std::string& html_path) {
  output::ScanFile scan;
  std::string error;
  if (!output::read_scan_file(scan_path, scan, &error)) {
    std::cerr << "tlsfleet report: " << error << "\n";
    return kExitUsage;
  }
  if (!scan.stats.io_error.empty()) {
    std::cerr << "tlsfleet report: " << scan_path << ": " << scan.stats.io_error << "\n";
    return kExitUsage;
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const output::FleetReport report = output::build_report(scan, scan_path, now);
  std::cout << output::render_report_text(report) << std::flush;
  if (!std::cout) {
    std::cerr << "tlsfleet report: writing to stdout failed\n";
    return kExitOutputError;
  }
  if (html_path.empty()) return kExitOk;
  std::ofstream html(html_path, std::ios::binary | std::ios::trunc);
  html << output::render_report_html(report, scan);
  html.close();
  if (!html) {
    std::cerr << "tlsfleet report: cannot write " << html_path << "\n";
    return kExitOutputError;
  }
  std::cerr << "tlsfleet report: wrote " << html_path << "\n";
  return kExitOk;
}

}  // namespace tlsfleet::scanner
