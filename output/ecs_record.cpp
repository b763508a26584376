#include "output/ecs_record.h"

#include <cmath>
#include <string_view>
#include <vector>

#include "output/json_writer.h"
#include "output/native_record.h"
#include "output/record_fields.h"
#include "output/schema_names.h"
#include "output/time_format.h"

namespace tlsfleet::output {

namespace {

constexpr std::size_t kRecordReserve = 3072;

struct EcsVersion {
  std::string_view protocol;  // "tls" or "ssl"; empty when the name is not one we know
  std::string_view number;    // "1.3", "3.0"
};

// SCHEMA.md's "TLSv1.3" as ECS's tls.version_protocol "tls" plus tls.version "1.3".
EcsVersion ecs_version(std::string_view native) {
  if (native.starts_with("TLSv")) return {"tls", native.substr(4)};
  if (native == "SSLv3") return {"ssl", "3.0"};
  if (native == "SSLv2") return {"ssl", "2.0"};
  return {{}, native};
}

std::string upper_hex(std::string_view hex) {
  std::string out(hex);
  for (char& c : out) {
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The values of one attribute type (e.g. "CN") in an RFC 4514 distinguished name, with
// the backslash escapes of RFC 4514 section 2.4 undone ("\," and "\2C" both give ",").
std::vector<std::string> dn_values(std::string_view dn, std::string_view type) {
  std::vector<std::string> values;
  std::size_t i = 0;
  while (i < dn.size()) {
    // One attribute: TYPE=VALUE, ended by an unescaped ',' or '+'.
    const std::size_t eq = dn.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string_view attribute = dn.substr(i, eq - i);
    while (!attribute.empty() && attribute.front() == ' ') attribute.remove_prefix(1);
    std::string value;
    std::size_t j = eq + 1;
    for (; j < dn.size() && dn[j] != ',' && dn[j] != '+'; ++j) {
      if (dn[j] != '\\' || j + 1 >= dn.size()) {
        value.push_back(dn[j]);
        continue;
      }
      if (j + 2 < dn.size() && hex(dn[j + 1]) >= 0 && hex(dn[j + 2]) >= 0) {
        value.push_back(static_cast<char>(hex(dn[j + 1]) * 16 + hex(dn[j + 2])));
        j += 2;
      } else {
        value.push_back(dn[++j]);
      }
    }
    if (attribute == type) values.push_back(std::move(value));
    i = j + 1;
  }
  return values;
}

void write_optional_string(JsonWriter& w, std::string_view key,
                           const std::optional<std::string>& value) {
  if (!value) return;
  w.key(key);
  w.string(*value);
}

// ECS x509 `issuer` / `subject`: the whole name plus the attributes SIEM rules match on.
void write_x509_name(JsonWriter& w, std::string_view key, const std::string& dn) {
  w.key(key);
  w.begin_object();
  w.key("distinguished_name");
  w.string(dn);
  for (const auto& [attribute, field] :
       {std::pair{"CN", "common_name"}, {"O", "organization"}, {"C", "country"}}) {
    std::vector<std::string> values = dn_values(dn, attribute);
    if (values.empty()) continue;
    w.key(field);
    write_string_array(w, values);
  }
  w.end_object();
}

void write_event(JsonWriter& w, const scanner::EndpointResult& r) {
  w.key("event");
  w.begin_object();
  w.key("kind");
  w.string("state");  // ECS: periodic scans of an asset's state
  w.key("category");
  w.begin_array();
  w.string("network");
  w.end_array();
  w.key("type");
  w.begin_array();
  w.string("info");
  w.end_array();
  w.key("module");
  w.string("tlsfleet");
  w.key("dataset");
  w.string("tlsfleet.scan");
  w.key("outcome");
  w.string(r.status == scanner::Status::kOk          ? "success"
           : r.status == scanner::Status::kCancelled ? "unknown"
                                                     : "failure");
  w.key("duration");  // ECS durations are nanoseconds
  w.integer(static_cast<int64_t>(std::llround(r.timing.total_ms * 1e6)));
  w.end_object();
}

// "expired.test 127.0.0.1:8443 ok TLSv1.3; findings: CERT_EXPIRED" for Discover views.
std::string message(const scanner::EndpointResult& r) {
  std::string text = r.target + " ";
  if (r.ip) {
    text += r.ip->find(':') != std::string::npos ? "[" + *r.ip + "]" : *r.ip;
  } else {
    text += r.host.value_or(r.target);
  }
  text += ":" + std::to_string(r.port) + " ";
  text += status_text(r.status);
  if (r.tls) text += " " + r.tls->version;
  if (r.error) text += " " + r.error->code;
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    text += (i == 0 ? "; findings: " : ", ") + r.findings[i].id;
  }
  return text;
}

// server.* and destination.* carry the same endpoint: we are the client of a connection
// we opened, so ECS wants both pairs filled.
void write_endpoint(JsonWriter& w, std::string_view set, const scanner::EndpointResult& r) {
  w.key(set);
  w.begin_object();
  if (r.ip || r.host) {
    w.key("address");
    w.string(r.ip ? *r.ip : *r.host);
  }
  write_optional_string(w, "ip", r.ip);
  w.key("port");
  w.integer(r.port);
  write_optional_string(w, "domain", r.host);
  w.end_object();
}

void write_related(JsonWriter& w, const scanner::EndpointResult& r) {
  std::vector<std::string> hosts;
  if (r.host) hosts.push_back(*r.host);
  if (r.sni && *r.sni != r.host.value_or("")) hosts.push_back(*r.sni);
  if (!r.ip && hosts.empty()) return;
  w.key("related");
  w.begin_object();
  if (r.ip) {
    w.key("ip");
    write_string_array(w, {*r.ip});
  }
  if (!hosts.empty()) {
    w.key("hosts");
    write_string_array(w, hosts);
  }
  w.end_object();
}

void write_x509(JsonWriter& w, const tls::CertInfo& cert) {
  w.key("x509");
  w.begin_object();
  w.key("alternative_names");
  write_string_array(w, cert.san);
  write_x509_name(w, "issuer", cert.issuer);
  w.key("not_after");
  w.string(cert.not_after);
  w.key("not_before");
  w.string(cert.not_before);
  w.key("public_key_algorithm");
  w.string(cert.key.type);
  write_optional_string(w, "public_key_curve", cert.key.curve);
  w.key("public_key_size");
  w.integer(cert.key.bits);
  w.key("serial_number");
  w.string(upper_hex(cert.serial));
  w.key("signature_algorithm");
  w.string(cert.sig_alg);
  write_x509_name(w, "subject", cert.subject);
  w.end_object();
}

void write_tls(JsonWriter& w, const scanner::EndpointResult& r) {
  w.key("tls");
  w.begin_object();
  w.key("established");
  w.boolean(r.tls.has_value());
  if (r.tls) {
    const EcsVersion version = ecs_version(r.tls->version);
    w.key("version");
    w.string(version.number);
    if (!version.protocol.empty()) {
      w.key("version_protocol");
      w.string(version.protocol);
    }
    w.key("cipher");
    w.string(r.tls->cipher);
    write_optional_string(w, "curve", r.tls->group);
    write_optional_string(w, "next_protocol", r.tls->alpn);
  }
  if (r.sni) {
    w.key("client");
    w.begin_object();
    w.key("server_name");
    w.string(*r.sni);
    w.end_object();
  }
  if (r.cert) {
    const tls::CertInfo& cert = *r.cert;
    w.key("server");
    w.begin_object();
    w.key("hash");
    w.begin_object();
    w.key("sha256");
    w.string(upper_hex(cert.sha256));
    w.end_object();
    w.key("issuer");
    w.string(cert.issuer);
    w.key("not_after");
    w.string(cert.not_after);
    w.key("not_before");
    w.string(cert.not_before);
    w.key("subject");
    w.string(cert.subject);
    write_x509(w, cert);
    w.end_object();
  }
  w.end_object();
}

void write_error(JsonWriter& w, const scanner::EndpointResult& r) {
  if (!r.error) return;
  w.key("error");
  w.begin_object();
  w.key("code");
  w.string(r.error->code);
  w.key("message");
  w.string(r.error->detail);
  w.key("type");
  w.string(stage_text(r.error->stage));
  w.end_object();
}

// The native record's facts that ECS has no field for, in their native names and shapes.
void write_tlsfleet(JsonWriter& w, const scanner::EndpointResult& r) {
  w.key("tlsfleet");
  w.begin_object();
  w.key("schema");
  w.string(kNativeSchema);
  w.key("status");
  w.string(status_text(r.status));
  w.key("target");
  w.string(r.target);
  w.key("timing_ms");
  w.begin_object();
  for (const auto& [name, value] : {std::pair{"dns", r.timing.dns_ms},
                                    {"connect", r.timing.connect_ms},
                                    {"handshake", r.timing.handshake_ms},
                                    {"total", std::optional<double>(r.timing.total_ms)}}) {
    if (!value) continue;
    w.key(name);
    w.number(*value);
  }
  w.end_object();
  w.key("connections");
  w.integer(r.connections);
  if (r.tls) {
    const scanner::TlsInfo& t = *r.tls;
    w.key("tls");
    w.begin_object();
    write_probe_fields(w, t);
    w.end_object();
  }
  if (r.cert) {
    w.key("cert");
    w.begin_object();
    w.key("days_left");
    w.integer(r.cert->days_left);
    w.key("self_signed");
    w.boolean(r.cert->self_signed);
    w.end_object();
  }
  if (r.chain) {
    const tls::ChainInfo& c = *r.chain;
    w.key("chain");
    w.begin_object();
    w.key("served");
    write_served_chain(w, c.served);
    w.key("trusted");
    w.boolean(c.trusted);
    write_optional_string(w, "verify_error", c.verify_error);
    w.key("complete");
    w.boolean(c.complete);
    w.key("ordered");
    w.boolean(c.ordered);
    if (c.hostname_match) {
      w.key("hostname_match");
      w.boolean(*c.hostname_match);
    }
    w.end_object();
  }
  w.key("findings");
  write_findings(w, r.findings);
  w.end_object();
}

}  // namespace

void append_ecs_record(const scanner::EndpointResult& result, std::string& out) {
  out.reserve(out.size() + kRecordReserve);
  JsonWriter w(out);
  w.begin_object();
  w.key("@timestamp");
  w.string(rfc3339_ms(result.finished_unix_ms).view());
  w.key("ecs");
  w.begin_object();
  w.key("version");
  w.string(kEcsVersion);
  w.end_object();
  write_event(w, result);
  w.key("message");
  w.string(message(result));
  w.key("observer");
  w.begin_object();
  w.key("product");
  w.string("tlsfleet");
  w.key("type");
  w.string("scanner");
  w.key("vendor");
  w.string("tlsfleet");
  w.end_object();
  write_endpoint(w, "server", result);
  write_endpoint(w, "destination", result);
  if (result.target.find("://") != std::string::npos) {
    w.key("url");
    w.begin_object();
    w.key("original");
    w.string(result.target);
    w.end_object();
  }
  write_related(w, result);
  write_tls(w, result);
  write_error(w, result);
  write_tlsfleet(w, result);
  w.end_object();
  w.flush();
  out.push_back('\n');
}

}  // namespace tlsfleet::output
