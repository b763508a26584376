#include "tls/first_bytes.h"

namespace tlsfleet::tls {

namespace {

// A TLS record starts with a content type 20..24 and major version 3; an SSLv2-style
// record has the high bit of its first byte set.
bool looks_like_tls_record(std::string_view p) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(p[i]); };
  if (byte(0) & 0x80) return true;
  if (byte(0) < 20 || byte(0) > 24) return false;
  return p.size() < 2 || byte(1) == 3;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::optional<HandshakeFailure> classify_first_bytes(std::string_view prefix) {
  if (prefix.empty() || looks_like_tls_record(prefix)) return std::nullopt;
  HandshakeFailure f;
  // An HTTP server answers a ClientHello with a status line, or (HTTP/0.9-style, as some
  // do for a request line they cannot parse) straight with an HTML error page.
  if (starts_with(prefix, "HTTP/") || starts_with(prefix, "<!DOC") ||
      starts_with(prefix, "<html") || starts_with(prefix, "<HTML")) {
    f.kind = FailureKind::kPlaintextHttp;
    f.detail = "the server answered in clear-text HTTP";
  } else {
    f.kind = FailureKind::kNotTls;
    f.detail = "the server sent bytes that are not a TLS record";
  }
  return f;
}

}  // namespace tlsfleet::tls
