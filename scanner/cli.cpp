#include "scanner/cli.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <iostream>
#include <set>

#include "scanner/inspect_command.h"
#include "scanner/readback_commands.h"
#include "scanner/scan.h"
#include "scanner/shard.h"

namespace tlsfleet::scanner {

namespace {

std::optional<uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(value);
}

int severity_from_name(const std::string& name) {
  static const char* kNames[] = {"info", "low", "medium", "high", "critical"};
  for (int i = 0; i < 5; ++i) {
    if (name == kNames[i]) return i;
  }
  return -1;
}

}  // namespace

std::optional<std::vector<uint16_t>> parse_port_list(const std::string& text, std::string* error) {
  std::vector<uint16_t> ports;
  std::set<uint16_t> seen;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string_view item(text.data() + start,
                          (comma == std::string::npos ? text.size() : comma) - start);
    size_t dash = item.find('-');
    std::optional<uint16_t> first = parse_port(item.substr(0, dash));
    std::optional<uint16_t> last =
        dash == std::string_view::npos ? first : parse_port(item.substr(dash + 1));
    if (!first || !last || *last < *first) {
      *error = "invalid port list '" + text + "': '" + std::string(item) +
               "' is not a port (1-65535) or a range like 9000-9010";
      return std::nullopt;
    }
    for (unsigned p = *first; p <= *last; ++p) {
      if (seen.insert(static_cast<uint16_t>(p)).second) ports.push_back(static_cast<uint16_t>(p));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return ports;
}

int run_cli(int argc, char** argv) {
  CLI::App app{"tlsfleet: sweep fleets of TLS endpoints and explain what is wrong with each"};
  app.set_version_flag("--version", "tlsfleet 0.1.0");
  app.require_subcommand(1);

  ScanOptions o;
  std::string ports = "443";
  std::string depth = "standard";
  std::string fail_on;
  std::string sni;
  bool progress = false, no_progress = false;

  CLI::App* scan =
      app.add_subcommand("scan", "Scan TLS endpoints and write one NDJSON record each");
  scan->add_option("targets", o.targets,
                   "names, addresses, CIDRs, ranges, name@address, URLs (see docs/CLI.md)");
  // One file per -i (repeatable), so targets may follow it on the command line.
  scan->add_option("-i,--input", o.input_files, "targets file, one per line; - for stdin")
      ->allow_extra_args(false);
  scan->add_option("-p,--ports", ports, "ports to scan, e.g. 443,8443,9000-9010")
      ->default_str("443");
  scan->add_option("-o,--output", o.output, "NDJSON output file; - for stdout")->default_str("-");
  std::string format = "native";
  scan->add_option("--format", format,
                   "native (docs/SCHEMA.md) or ecs (Elastic Common Schema names, docs/ECS.md)")
      ->check(CLI::IsMember({"native", "ecs"}))
      ->default_str("native");
  scan->add_option("--depth", depth,
                   "basic: one handshake; standard: + protocol versions, no-SNI, resumption; "
                   "full: + cipher suites, groups")
      ->check(CLI::IsMember({"basic", "standard", "full"}))
      ->default_str("standard");
  scan->add_option("-c,--concurrency", o.concurrency, "endpoints in flight at once")
      ->check(CLI::Range(1, 1000000))
      ->default_str("1000");
  scan->add_option("-r,--rate", o.rate, "new TCP connections per second, 0 = no limit")
      ->check(CLI::Range(0.0, 1e9))
      ->default_str("0");
  scan->add_option("--timeout", o.timeout_s, "deadline of one connection (connect + handshake), s")
      ->check(CLI::Range(0.001, 3600.0))
      ->default_str("5");
  scan->add_option("--dns-timeout", o.dns_timeout_s, "deadline of one DNS lookup, s")
      ->check(CLI::Range(0.001, 3600.0))
      ->default_str("3");
  scan->add_option("--dns-queries", o.dns_queries,
                   "DNS queries outstanding at once, per worker thread")
      ->check(CLI::Range(1, 65535))
      ->default_str("128");
  scan->add_option("--retries", o.retries, "retries of a connect that timed out")
      ->check(CLI::Range(0, 10))
      ->default_str("1");
  scan->add_option("--resolver", o.resolvers, "DNS server ADDR[:PORT], repeatable; default system")
      ->allow_extra_args(false);
  scan->add_option("--ca-file", o.ca_file, "trust anchors (PEM); default the system store")
      ->check(CLI::ExistingFile);
  scan->add_option("--sni", sni, "server name to send to address targets");
  scan->add_option("--threads", o.threads, "worker threads; default one per core")
      ->check(CLI::Range(1, 256));
  scan->add_flag("--ipv6", o.ipv6, "also resolve AAAA records");
  scan->add_option("--exclude", o.exclude_file, "addresses/CIDRs never to connect to");
  scan->add_option("--expiry-warn", o.expiry_warn_days, "days before expiry to warn")
      ->check(CLI::Range(0, 36500))
      ->default_str("30");
  scan->add_option("--fail-on", fail_on,
                   "exit 1 when a finding at or above this severity was reported")
      ->check(CLI::IsMember({"info", "low", "medium", "high", "critical"}));
  scan->add_flag("--progress", progress, "progress line on stderr (default: when a terminal)");
  scan->add_flag("--no-progress", no_progress, "no progress line");
  scan->add_flag("-q,--quiet", o.quiet, "no summary line on stderr");
  scan->add_option("--max-read", o.max_read_bytes, "bytes read per connection at most")
      ->check(CLI::Range(static_cast<size_t>(16 * 1024), static_cast<size_t>(64 << 20)))
      ->default_str("1048576");
  // Fleet operations: order, slices, resume, politeness, reverse DNS (docs/CLI.md).
  uint64_t seed = 0;
  std::string shard, sni_from;
  CLI::Option* seed_option =
      scan->add_option("--seed", seed, "order of the pseudo-random walk; default random, printed");
  scan->add_option("--shard", shard, "scan only slice K of N disjoint slices (K/N, 0-based)");
  scan->add_option("--resume", o.resume_file,
                   "checkpoint file: kept while scanning; finished work is skipped when it "
                   "exists (output is appended to)");
  scan->add_option("--per-host", o.per_host, "endpoints in flight to one address; 0 = no limit")
      ->check(CLI::Range(0, 1000000))
      ->default_str("1");
  scan->add_option("--per-subnet", o.per_subnet,
                   "endpoints in flight to one /24 (IPv4) or /64 (IPv6); 0 = no limit")
      ->check(CLI::Range(0, 1000000))
      ->default_str("0");
  scan->add_option("--sni-from", sni_from,
                   "ptr: send each address's PTR name as SNI and check the certificate against "
                   "it (--sni is the fallback)")
      ->check(CLI::IsMember({"ptr"}));

  // Reading scans back (docs/CLI.md): the work is in output/, see readback_commands.h.
  std::string diff_old, diff_new, report_scan, report_html;
  CLI::App* diff = app.add_subcommand("diff", "Change events between two scans, as NDJSON");
  diff->add_option("OLD", diff_old, "the earlier scan (NDJSON, native or ecs)")->required();
  diff->add_option("NEW", diff_new, "the later scan")->required();
  CLI::App* report = app.add_subcommand("report", "Fleet summary of a scan for people");
  report->add_option("SCAN", report_scan, "scan file (NDJSON, native or ecs); - for stdin")
      ->required();
  report->add_option("--html", report_html, "also write one self-contained HTML page here");

  InspectOptions inspect_options;
  std::string inspect_fail_on;
  CLI::App* inspect = add_inspect_command(app, inspect_options, inspect_fail_on);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "tlsfleet: " << e.what() << "\nRun 'tlsfleet --help' or 'tlsfleet scan --help'.\n";
    return kExitUsage;
  }

  if (diff->parsed()) return run_diff_command(diff_old, diff_new);
  if (report->parsed()) return run_report_command(report_scan, report_html);
  if (inspect->parsed()) return run_inspect_command(inspect_options, inspect_fail_on);

  std::string error;
  auto port_list = parse_port_list(ports, &error);
  if (!port_list) {
    std::cerr << "tlsfleet: --ports: " << error << "\n";
    return kExitUsage;
  }
  o.ports = std::move(*port_list);
  o.format = format == "ecs" ? OutputFormat::kEcs : OutputFormat::kNative;
  o.depth = depth == "basic" ? Depth::kBasic : depth == "full" ? Depth::kFull : Depth::kStandard;
  if (!fail_on.empty()) o.fail_on = severity_from_name(fail_on);
  if (!sni.empty()) o.sni = sni;
  if (seed_option->count() > 0) o.seed = seed;
  if (!shard.empty()) {
    auto parsed = Shard::parse(shard, &error);
    if (!parsed) {
      std::cerr << "tlsfleet: --shard: " << error << "\n";
      return kExitUsage;
    }
    o.shard_index = parsed->index;
    o.shard_count = parsed->count;
  }
  o.sni_from_ptr = sni_from == "ptr";
  if (progress && no_progress) {
    std::cerr << "tlsfleet: --progress and --no-progress exclude each other\n";
    return kExitUsage;
  }
  if (progress) o.progress = true;
  if (no_progress) o.progress = false;
  return run_scan(std::move(o));
}

}  // namespace tlsfleet::scanner
