#include "scanner/inspect_command.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "net/address.h"
#include "output/json_writer.h"
#include "output/native_record.h"
#include "output/time_format.h"
#include "scanner/findings.h"
#include "scanner/scan.h"
#include "tls/cert_analysis.h"
#include "tls/chain_analysis.h"
#include "tls/ossl_ptr.h"
#include "tls/trust_store.h"

namespace tlsfleet::scanner {

namespace {

// Files an operator points us at are small; anything past this is not a PEM bundle.
constexpr size_t kMaxFileBytes = 16 << 20;

struct OpensslBytesFree {
  void operator()(unsigned char* p) const { OPENSSL_free(p); }
};

// What one file holds: its certificates in order, and its first private key.
struct FileContents {
  std::vector<tls::X509Ptr> certs;
  tls::EvpPkeyPtr key;
};

// Never prompt for a passphrase on the terminal: an encrypted key is an error to report.
int refuse_password(char*, int, int, void*) { return -1; }

std::string openssl_reason() {
  unsigned long code = ERR_peek_last_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return reason ? reason : "unknown error";
}

bool read_bytes(const std::string& path, std::string* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  if (out->size() > kMaxFileBytes) {
    *error = "'" + path + "' is too large to be a certificate or key file";
    return false;
  }
  return true;
}

// One PEM block's private key. PEM_read_bio_PrivateKey reads every unencrypted form
// (PKCS#8, traditional RSA and EC), so the block is handed back to it as PEM text.
tls::EvpPkeyPtr parse_key_block(const char* name, const char* header, const unsigned char* body,
                                long length) {
  tls::BioPtr pem(BIO_new(BIO_s_mem()));
  if (!pem || PEM_write_bio(pem.get(), name, header, body, length) <= 0) return nullptr;
  return tls::EvpPkeyPtr(PEM_read_bio_PrivateKey(pem.get(), nullptr, &refuse_password, nullptr));
}

// Reads every PEM block of a file (certificates and keys; parameters and CRLs, which
// HAProxy bundles may hold, are passed over); a file with no PEM block is tried as one DER
// certificate.
std::optional<FileContents> read_file(const std::string& path, std::string* error) {
  std::string data;
  if (!read_bytes(path, &data, error)) return std::nullopt;
  FileContents contents;
  tls::BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  int blocks = 0;
  // Each round consumes one block from a finite buffer, so this ends.
  while (true) {
    char* raw_name = nullptr;
    char* raw_header = nullptr;
    unsigned char* raw_body = nullptr;
    long length = 0;
    ERR_clear_error();
    if (PEM_read_bio(bio.get(), &raw_name, &raw_header, &raw_body, &length) != 1) {
      if (ERR_GET_REASON(ERR_peek_last_error()) == PEM_R_NO_START_LINE) {
        ERR_clear_error();
        break;
      }
      *error = "'" + path + "': PEM block " + std::to_string(blocks + 1) + " is malformed (" +
               openssl_reason() + ")";
      return std::nullopt;
    }
    tls::OpensslStringPtr name(raw_name), header(raw_header);
    std::unique_ptr<unsigned char, OpensslBytesFree> body(raw_body);
    ++blocks;
    std::string_view kind(name.get());
    std::string where =
        "'" + path + "': PEM block " + std::to_string(blocks) + " (" + std::string(kind) + ")";
    if (kind == "CERTIFICATE" || kind == "X509 CERTIFICATE" || kind == "TRUSTED CERTIFICATE") {
      const unsigned char* p = body.get();
      tls::X509Ptr cert(kind == "TRUSTED CERTIFICATE" ? d2i_X509_AUX(nullptr, &p, length)
                                                      : d2i_X509(nullptr, &p, length));
      if (!cert) {
        *error = where + " is not a valid certificate (" + openssl_reason() + ")";
        return std::nullopt;
      }
      contents.certs.push_back(std::move(cert));
    } else if (kind.ends_with("PRIVATE KEY")) {
      if (kind == "ENCRYPTED PRIVATE KEY" ||
          std::string_view(header.get()).find("ENCRYPTED") != std::string_view::npos) {
        *error = where + " is encrypted: give an unencrypted key (openssl pkey -in KEY -out " +
                 "PLAIN.key), as a server reads it";
        return std::nullopt;
      }
      tls::EvpPkeyPtr key = parse_key_block(name.get(), header.get(), body.get(), length);
      if (!key) {
        *error = where + " is not a valid private key (" + openssl_reason() + ")";
        return std::nullopt;
      }
      if (!contents.key) contents.key = std::move(key);
    }
  }
  if (blocks == 0 && !data.empty()) {
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    tls::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(data.size())));
    if (cert) contents.certs.push_back(std::move(cert));
    ERR_clear_error();
  }
  return contents;
}

Finding key_mismatch_finding(const InspectOptions& o, const std::string& key_file,
                             const tls::CertInfo& cert) {
  Finding f;
  f.id = "KEY_MISMATCH";
  f.severity = Severity::kCritical;
  f.cause = "certificate";
  f.detail = "the private key in " + key_file + " does not belong to the certificate " +
             cert.subject + " in " + o.cert_file;
  f.fix =
      "Deploy the key the certificate was issued for (nginx ssl_certificate_key, HAProxy crt "
      "PEM); compare 'openssl x509 -noout -pubkey' with 'openssl pkey -pubout'";
  return f;
}

// Skips one JSON value starting at i (no whitespace: our writer emits none); returns the
// index just past it, or npos when the text ends first.
size_t skip_value(std::string_view text, size_t i) {
  int depth = 0;
  bool in_string = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
        if (depth == 0) return i + 1;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return i;  // the end of the enclosing object: a scalar ended here
      if (--depth == 0) return i + 1;
    } else if (c == ',' && depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::string json_member_text(std::string_view object, std::string_view key) {
  if (object.empty() || object.front() != '{') return {};
  size_t i = 1;
  // Member by member: "key":value, separated by commas, until the closing brace.
  while (i < object.size() && object[i] == '"') {
    size_t key_end = skip_value(object, i);
    if (key_end == std::string_view::npos || key_end >= object.size() || object[key_end] != ':') {
      return {};
    }
    std::string_view name = object.substr(i + 1, key_end - i - 2);
    size_t value_start = key_end + 1;
    size_t value_end = skip_value(object, value_start);
    if (value_end == std::string_view::npos) return {};
    if (name == key) return std::string(object.substr(value_start, value_end - value_start));
    if (value_end >= object.size() || object[value_end] != ',') return {};
    i = value_end + 1;
  }
  return {};
}

std::optional<InspectResult> inspect_files(const InspectOptions& o, int64_t now_unix,
                                           std::string* error) {
  std::optional<FileContents> cert_file = read_file(o.cert_file, error);
  if (!cert_file) return std::nullopt;
  if (cert_file->certs.empty()) {
    *error = "'" + o.cert_file + "' holds no certificate (expected PEM, or one DER certificate)";
    return std::nullopt;
  }
  std::vector<tls::X509Ptr> extra;
  if (!o.chain_file.empty()) {
    std::optional<FileContents> chain = read_file(o.chain_file, error);
    if (!chain) return std::nullopt;
    if (chain->certs.empty()) {
      *error = "'" + o.chain_file + "' holds no certificate";
      return std::nullopt;
    }
    extra = std::move(chain->certs);
  }
  InspectResult result;
  tls::EvpPkeyPtr key = std::move(cert_file->key);
  if (key) result.key_source = o.cert_file;
  if (!o.key_file.empty()) {
    std::optional<FileContents> key_file = read_file(o.key_file, error);
    if (!key_file) return std::nullopt;
    if (!key_file->key) {
      *error = "'" + o.key_file + "' holds no private key";
      return std::nullopt;
    }
    key = std::move(key_file->key);
    result.key_source = o.key_file;
  }
  tls::X509StorePtr trust = tls::load_trust_store(o.ca_file, error);
  if (!trust) return std::nullopt;

  // Served order: the leaf, what follows it in --cert, then --chain.
  tls::X509StackBorrowPtr served(sk_X509_new_null());
  for (auto& cert : cert_file->certs) sk_X509_push(served.get(), cert.get());
  for (auto& cert : extra) sk_X509_push(served.get(), cert.get());
  result.chain_certificates = static_cast<size_t>(sk_X509_num(served.get())) - 1;
  X509* leaf = cert_file->certs.front().get();

  EndpointResult& r = result.record;
  r.target = o.cert_file;
  std::optional<std::string> host, ip;
  if (!o.host.empty()) {
    if (auto address = net::IpAddress::parse(o.host)) {
      ip = address->to_string();
      r.ip = ip;
    } else {
      host = o.host;
      r.host = host;
    }
  }
  r.cert = tls::analyze_cert(leaf, now_unix);
  r.chain = tls::analyze_chain(served.get(), trust.get(), host, ip, now_unix);
  FindingOptions fo;
  fo.expiry_warn_days = o.expiry_warn_days;
  fo.now_unix = now_unix;
  r.findings = evaluate_findings(r, fo);
  if (key) {
    result.key_matches = EVP_PKEY_eq(X509_get0_pubkey(leaf), key.get()) == 1;
    ERR_clear_error();
    if (!*result.key_matches) {
      r.findings.insert(r.findings.begin(), key_mismatch_finding(o, result.key_source, *r.cert));
    }
  }
  return result;
}

std::string inspect_record(const InspectResult& result, const InspectOptions& o,
                           int64_t now_unix_ms) {
  // cert, chain and findings come out of the native record itself: the same bytes a scan
  // of a server holding these files would write.
  std::string native;
  output::append_native_record(result.record, native);
  if (!native.empty() && native.back() == '\n') native.pop_back();

  std::string out;
  auto string_or_null = [&out](const std::string& value) {
    if (value.empty()) {
      out += "null";
    } else {
      output::append_json_string(value, out);
    }
  };
  out += "{\"schema\":\"tlsfleet/1\",\"kind\":\"inspect\",\"ts\":";
  output::append_json_string(output::format_rfc3339_ms(now_unix_ms), out);
  out += ",\"target\":";
  output::append_json_string(o.cert_file, out);
  out += ",\"files\":{\"cert\":";
  output::append_json_string(o.cert_file, out);
  out += ",\"key\":";
  string_or_null(result.key_source);
  out += ",\"chain\":";
  string_or_null(o.chain_file);
  out += ",\"ca_file\":";
  string_or_null(o.ca_file);
  out += "},\"host\":";
  string_or_null(o.host);
  out += ",\"cert\":" + json_member_text(native, "cert");
  out += ",\"chain\":" + json_member_text(native, "chain");
  out += ",\"key_matches\":";
  out += result.key_matches ? (*result.key_matches ? "true" : "false") : "null";
  out += ",\"findings\":" + json_member_text(native, "findings");
  out += "}\n";
  return out;
}

CLI::App* add_inspect_command(CLI::App& app, InspectOptions& o, std::string& fail_on) {
  CLI::App* cmd = app.add_subcommand(
      "inspect", "Check a certificate, its key and chain on disk before deploying them");
  cmd->add_option("--cert", o.cert_file,
                  "leaf certificate (PEM or DER); may go on with its chain and key (HAProxy PEM)")
      ->required();
  cmd->add_option("--key", o.key_file, "private key (PEM), when it is not in --cert");
  cmd->add_option("--chain", o.chain_file, "intermediates served after the leaf (PEM)");
  cmd->add_option("--ca-file", o.ca_file, "trust anchors (PEM); default the system store");
  cmd->add_option("--host", o.host, "name or address the certificate must cover");
  cmd->add_option("--expiry-warn", o.expiry_warn_days, "days before expiry to warn")
      ->check(CLI::Range(0, 36500))
      ->default_str("30");
  cmd->add_option("--fail-on", fail_on, "exit 1 when a finding at or above this severity is found")
      ->check(CLI::IsMember({"info", "low", "medium", "high", "critical"}));
  cmd->add_flag("-q,--quiet", o.quiet, "no summary line on stderr");
  return cmd;
}

int run_inspect_command(InspectOptions o, const std::string& fail_on) {
  static const char* kSeverities[] = {"info", "low", "medium", "high", "critical"};
  for (int i = 0; i < 5; ++i) {
    if (fail_on == kSeverities[i]) o.fail_on = i;
  }
  using namespace std::chrono;
  const int64_t now_ms =
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  std::string error;
  std::optional<InspectResult> result = inspect_files(o, now_ms / 1000, &error);
  if (!result) {
    std::cerr << "tlsfleet inspect: " << error << "\n";
    return kExitUsage;
  }
  std::cout << inspect_record(*result, o, now_ms) << std::flush;
  if (!std::cout) {
    std::cerr << "tlsfleet inspect: writing to stdout failed\n";
    return kExitOutputError;
  }
  int worst = -1;
  for (const Finding& f : result->record.findings)
    worst = std::max(worst, static_cast<int>(f.severity));
  if (!o.quiet) {
    const tls::ChainInfo& chain = *result->record.chain;
    std::cerr << "tlsfleet inspect: " << result->record.cert->subject << ": key "
              << (result->key_matches ? (*result->key_matches ? "matches" : "DOES NOT MATCH")
                                      : "not given")
              << ", chain of " << result->chain_certificates + 1 << " "
              << (chain.trusted ? "trusted" : "not trusted") << ", "
              << result->record.findings.size() << " finding"
              << (result->record.findings.size() == 1 ? "" : "s") << "\n";
  }
  if (o.fail_on && worst >= *o.fail_on) return kExitFailOn;
  return kExitOk;
}

}  // namespace tlsfleet::scanner
