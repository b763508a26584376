#include "output/native_record.h"

#include "output/json_writer.h"
#include "output/record_fields.h"
#include "output/schema_names.h"
#include "output/time_format.h"

namespace tlsfleet::output {

namespace {

// A full record at depth full with a short chain is about 2 KiB; one reservation up front
// keeps the hot path to a single allocation at most.
constexpr std::size_t kRecordReserve = 2048;

void write_error(JsonWriter& w, const std::optional<scanner::EndpointError>& error) {
  if (!error) {
    w.null();
    return;
  }
  w.begin_object();
  w.key("stage");
  w.string(stage_text(error->stage));
  w.key("code");
  w.string(error->code);
  w.key("detail");
  w.string(error->detail);
  w.end_object();
}

void write_timing(JsonWriter& w, const scanner::Timing& timing) {
  w.begin_object();
  if (timing.dns_ms) {
    w.key("dns");
    w.number(*timing.dns_ms);
  }
  if (timing.connect_ms) {
    w.key("connect");
    w.number(*timing.connect_ms);
  }
  if (timing.handshake_ms) {
    w.key("handshake");
    w.number(*timing.handshake_ms);
  }
  w.key("total");
  w.number(timing.total_ms);
  w.end_object();
}

void write_tls(JsonWriter& w, const std::optional<scanner::TlsInfo>& tls) {
  if (!tls) {
    w.null();
    return;
  }
  w.begin_object();
  w.key("version");
  w.string(tls->version);
  w.key("cipher");
  w.string(tls->cipher);
  w.key("group");
  w.string_or_null(tls->group);
  w.key("alpn");
  w.string_or_null(tls->alpn);
  write_probe_fields(w, *tls);
  w.end_object();
}

void write_cert(JsonWriter& w, const std::optional<tls::CertInfo>& cert) {
  if (!cert) {
    w.null();
    return;
  }
  w.begin_object();
  w.key("subject");
  w.string(cert->subject);
  w.key("issuer");
  w.string(cert->issuer);
  w.key("serial");
  w.string(cert->serial);
  w.key("not_before");
  w.string(cert->not_before);
  w.key("not_after");
  w.string(cert->not_after);
  w.key("days_left");
  w.integer(cert->days_left);
  w.key("san");
  write_string_array(w, cert->san);
  w.key("key");
  w.begin_object();
  w.key("type");
  w.string(cert->key.type);
  w.key("bits");
  w.integer(cert->key.bits);
  w.key("curve");
  w.string_or_null(cert->key.curve);
  w.end_object();
  w.key("sig_alg");
  w.string(cert->sig_alg);
  w.key("sha256");
  w.string(cert->sha256);
  w.key("self_signed");
  w.boolean(cert->self_signed);
  w.end_object();
}

void write_chain(JsonWriter& w, const std::optional<tls::ChainInfo>& chain) {
  if (!chain) {
    w.null();
    return;
  }
  w.begin_object();
  w.key("served");
  write_served_chain(w, chain->served);
  w.key("trusted");
  w.boolean(chain->trusted);
  w.key("verify_error");
  w.string_or_null(chain->verify_error);
  w.key("complete");
  w.boolean(chain->complete);
  w.key("ordered");
  w.boolean(chain->ordered);
  w.key("hostname_match");
  if (chain->hostname_match) {
    w.boolean(*chain->hostname_match);
  } else {
    w.null();
  }
  w.end_object();
}

}  // namespace

void append_native_record(const scanner::EndpointResult& result, std::string& out) {
  out.reserve(out.size() + kRecordReserve);
  JsonWriter w(out);
  w.begin_object();
  w.key("schema");
  w.string(kNativeSchema);
  w.key("ts");
  w.string(rfc3339_ms(result.finished_unix_ms).view());
  w.key("target");
  w.string(result.target);
  w.key("host");
  w.string_or_null(result.host);
  w.key("ip");
  w.string_or_null(result.ip);
  w.key("port");
  w.integer(result.port);
  w.key("sni");
  w.string_or_null(result.sni);
  w.key("status");
  w.string(status_text(result.status));
  w.key("error");
  write_error(w, result.error);
  w.key("timing_ms");
  write_timing(w, result.timing);
  w.key("tls");
  write_tls(w, result.tls);
  w.key("cert");
  write_cert(w, result.cert);
  w.key("chain");
  write_chain(w, result.chain);
  w.key("findings");
  write_findings(w, result.findings);
  w.key("connections");
  w.integer(result.connections);
  w.end_object();
  w.flush();
  out.push_back('\n');
}

}  // namespace tlsfleet::output
