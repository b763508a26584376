#include "scanner/error.h"

namespace tlsfleet::scanner {

namespace {

struct Mapping {
  Status status;
  ErrorStage stage;
  const char* code;
};

Mapping map_kind(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNxdomain:
      return {Status::kDnsError, ErrorStage::kDns, "NXDOMAIN"};
    case ErrorKind::kServfail:
      return {Status::kDnsError, ErrorStage::kDns, "SERVFAIL"};
    case ErrorKind::kDnsTimeout:
      return {Status::kDnsError, ErrorStage::kDns, "DNS_TIMEOUT"};
    case ErrorKind::kNoAddress:
      return {Status::kDnsError, ErrorStage::kDns, "NO_ADDRESS"};
    case ErrorKind::kConnectionRefused:
      return {Status::kConnectError, ErrorStage::kConnect, "CONNECTION_REFUSED"};
    case ErrorKind::kConnectTimeout:
      return {Status::kTimeout, ErrorStage::kConnect, "CONNECT_TIMEOUT"};
    case ErrorKind::kHostUnreachable:
      return {Status::kConnectError, ErrorStage::kConnect, "HOST_UNREACHABLE"};
    case ErrorKind::kConnectionReset:
      return {Status::kTlsError, ErrorStage::kTls, "CONNECTION_RESET"};
    case ErrorKind::kConnectionClosed:
      return {Status::kTlsError, ErrorStage::kTls, "CONNECTION_CLOSED"};
    case ErrorKind::kHandshakeTimeout:
      return {Status::kTimeout, ErrorStage::kTls, "HANDSHAKE_TIMEOUT"};
    case ErrorKind::kPlaintextHttp:
      return {Status::kNotTls, ErrorStage::kTls, "PLAINTEXT_HTTP"};
    case ErrorKind::kNotTls:
      return {Status::kNotTls, ErrorStage::kTls, "NOT_TLS"};
    case ErrorKind::kAlert:
      return {Status::kTlsError, ErrorStage::kTls, "ALERT"};
    case ErrorKind::kProtocolError:
      return {Status::kTlsError, ErrorStage::kTls, "PROTOCOL_ERROR"};
    case ErrorKind::kReadLimit:
      return {Status::kTlsError, ErrorStage::kTls, "READ_LIMIT"};
    case ErrorKind::kCancelled:
      return {Status::kCancelled, ErrorStage::kConnect, "CANCELLED"};
    case ErrorKind::kInternal:
      return {Status::kConnectError, ErrorStage::kConnect, "INTERNAL_ERROR"};
  }
  return {Status::kTlsError, ErrorStage::kTls, "PROTOCOL_ERROR"};
}

}  // namespace

std::string alert_name(int alert) {
  // RFC 8446 section 6 and the IANA TLS Alerts registry (legacy ones included, since
  // old servers still send them).
  switch (alert) {
    case 0:
      return "CLOSE_NOTIFY";
    case 10:
      return "UNEXPECTED_MESSAGE";
    case 20:
      return "BAD_RECORD_MAC";
    case 21:
      return "DECRYPTION_FAILED";
    case 22:
      return "RECORD_OVERFLOW";
    case 30:
      return "DECOMPRESSION_FAILURE";
    case 40:
      return "HANDSHAKE_FAILURE";
    case 41:
      return "NO_CERTIFICATE";
    case 42:
      return "BAD_CERTIFICATE";
    case 43:
      return "UNSUPPORTED_CERTIFICATE";
    case 44:
      return "CERTIFICATE_REVOKED";
    case 45:
      return "CERTIFICATE_EXPIRED";
    case 46:
      return "CERTIFICATE_UNKNOWN";
    case 47:
      return "ILLEGAL_PARAMETER";
    case 48:
      return "UNKNOWN_CA";
    case 49:
      return "ACCESS_DENIED";
    case 50:
      return "DECODE_ERROR";
    case 51:
      return "DECRYPT_ERROR";
    case 60:
      return "EXPORT_RESTRICTION";
    case 70:
      return "PROTOCOL_VERSION";
    case 71:
      return "INSUFFICIENT_SECURITY";
    case 80:
      return "INTERNAL_ERROR";
    case 86:
      return "INAPPROPRIATE_FALLBACK";
    case 90:
      return "USER_CANCELED";
    case 100:
      return "NO_RENEGOTIATION";
    case 109:
      return "MISSING_EXTENSION";
    case 110:
      return "UNSUPPORTED_EXTENSION";
    case 111:
      return "CERTIFICATE_UNOBTAINABLE";
    case 112:
      return "UNRECOGNIZED_NAME";
    case 113:
      return "BAD_CERTIFICATE_STATUS_RESPONSE";
    case 114:
      return "BAD_CERTIFICATE_HASH_VALUE";
    case 115:
      return "UNKNOWN_PSK_IDENTITY";
    case 116:
      return "CERTIFICATE_REQUIRED";
    case 120:
      return "NO_APPLICATION_PROTOCOL";
    default:
      return "UNKNOWN_" + std::to_string(alert);
  }
}

void set_error(EndpointResult& result, ErrorKind kind, std::string detail, int alert) {
  set_error(result, kind);
  if (kind == ErrorKind::kAlert) result.error->code = "ALERT_" + alert_name(alert);
  result.error->detail = std::move(detail);
}

std::string& set_error(EndpointResult& result, ErrorKind kind) {
  Mapping m = map_kind(kind);
  result.status = m.status;
  EndpointError& error = result.error ? *result.error : result.error.emplace();
  error.stage = m.stage;
  error.code.assign(m.code);
  error.detail.clear();
  return error.detail;
}

const char* status_name(Status status) {
  switch (status) {
    case Status::kOk:
      return "ok";
    case Status::kDnsError:
      return "dns_error";
    case Status::kConnectError:
      return "connect_error";
    case Status::kTimeout:
      return "timeout";
    case Status::kTlsError:
      return "tls_error";
    case Status::kNotTls:
      return "not_tls";
    case Status::kCancelled:
      return "cancelled";
  }
  return "tls_error";
}

}  // namespace tlsfleet::scanner
