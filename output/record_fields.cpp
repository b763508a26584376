#include "output/record_fields.h"

#include "output/schema_names.h"

namespace tlsfleet::output {

void write_string_array(JsonWriter& w, const std::vector<std::string>& values) {
  w.begin_array();
  for (const std::string& value : values) w.string(value);
  w.end_array();
}

void write_probe_fields(JsonWriter& w, const scanner::TlsInfo& tls) {
  if (tls.dh_bits) {
    w.key("dh_bits");
    w.integer(*tls.dh_bits);
  }
  if (tls.protocols) {
    w.key("protocols");
    w.begin_object();
    for (const auto& [version, accepted] : *tls.protocols) {
      w.key(version);
      w.boolean(accepted);
    }
    w.end_object();
  }
  if (tls.ciphers) {
    w.key("ciphers");
    w.begin_object();
    for (const auto& [version, suites] : *tls.ciphers) {
      w.key(version);
      write_string_array(w, suites);
    }
    w.end_object();
  }
  if (tls.server_preference) {
    w.key("server_preference");
    w.boolean(*tls.server_preference);
  }
  if (tls.groups) {
    w.key("groups");
    write_string_array(w, *tls.groups);
  }
  if (tls.dh_custom_bits) {
    w.key("dh_custom_bits");
    w.integer(*tls.dh_custom_bits);
  }
  if (tls.resumption) {
    w.key("resumption");
    w.begin_object();
    w.key("session_id");
    w.boolean(tls.resumption->session_id);
    w.key("ticket");
    w.boolean(tls.resumption->ticket);
    w.end_object();
  }
  w.key("ocsp_stapled");
  w.boolean(tls.ocsp_stapled);
  if (tls.sni_required) {
    w.key("sni_required");
    w.boolean(*tls.sni_required);
  }
  if (tls.default_cert_sha256 || tls.default_cert_probed) {
    w.key("default_cert_sha256");
    w.string_or_null(tls.default_cert_sha256);
  }
  if (tls.default_cert_covers_name) {
    w.key("default_cert_hostname_match");
    w.boolean(*tls.default_cert_covers_name);
  }
  if (tls.probes_incomplete) {
    w.key("probes_incomplete");
    w.begin_object();
    w.key("probe");
    w.string(tls.probes_incomplete->probe);
    w.key("code");
    w.string(tls.probes_incomplete->code);
    w.key("detail");
    w.string(tls.probes_incomplete->detail);
    w.end_object();
  }
}

void write_served_chain(JsonWriter& w, const std::vector<tls::ServedCert>& served) {
  w.begin_array();
  for (const tls::ServedCert& cert : served) {
    w.begin_object();
    w.key("subject");
    w.string(cert.subject);
    w.key("issuer");
    w.string(cert.issuer);
    w.key("sha256");
    w.string(cert.sha256);
    w.key("not_after");
    w.string(cert.not_after);
    w.end_object();
  }
  w.end_array();
}

void write_findings(JsonWriter& w, const std::vector<scanner::Finding>& findings) {
  w.begin_array();
  for (const scanner::Finding& finding : findings) {
    w.begin_object();
    w.key("id");
    w.string(finding.id);
    w.key("severity");
    w.string(severity_text(finding.severity));
    w.key("cause");
    w.string(finding.cause);
    w.key("detail");
    w.string(finding.detail);
    w.key("fix");
    w.string(finding.fix);
    w.end_object();
  }
  w.end_array();
}

}  // namespace tlsfleet::output
