// EndpointJob: the scan of one (ip, port, sni) endpoint, as an explicit state machine
// over a sequence of probes (ProbePlan): for each, connect -> handshake -> record, one
// connection at a time. A connect that times out is retried up to --retries times, each
// with a fresh deadline. The main handshake decides the record's status; the later
// probes (depth >= standard) fill in what they learn.
#pragma once

#include <memory>
#include <string>

#include "net/tcp_connection.h"
#include "scanner/endpoint_result.h"
#include "scanner/error.h"
#include "scanner/full_enumeration.h"
#include "scanner/probe_plan.h"
#include "scanner/scan_options.h"
#include "scanner/work_item.h"
#include "tls/client_context.h"
#include "tls/client_session.h"
#include "tls/raw_hello_session.h"

namespace tlsfleet::scanner {

class EndpointJob;

// What a job needs from the worker that runs it.
class JobHost {
 public:
  virtual ~JobHost() = default;
  virtual uv_loop_t* loop() = 0;
  virtual const tls::ClientContexts& client_contexts() = 0;
  virtual X509_STORE* trust_store() = 0;
  virtual const ScanOptions& options() = 0;
  // The scan was interrupted: start no new probe.
  virtual bool stopping() = 0;
  // The job is finished; the result is final. The host reaps the job later, outside
  // the job's own callbacks.
  virtual void job_done(EndpointJob* job, EndpointResult&& result) = 0;
  // Closes a connection and frees it once its handles have closed.
  virtual void retire(std::unique_ptr<net::TcpConnection> connection) = 0;
};

class EndpointJob : public net::TcpConnection::Handler {
 public:
  EndpointJob(JobHost& host, EndpointSpec spec);
  EndpointJob(const EndpointJob&) = delete;
  EndpointJob& operator=(const EndpointJob&) = delete;

  void start();
  // Ends the job now with status `cancelled` (scan interrupted twice).
  void cancel();
  bool done() const { return state_ == State::kDone; }

  // net::TcpConnection::Handler
  void on_connected(int status) override;
  void on_data(const char* data, size_t len) override;
  void on_read_end(int status) override;
  void on_deadline() override;

 private:
  enum class State {
    kConnecting,   // TCP connect of the current probe in progress
    kHandshaking,  // the probe's session is talking
    kLingering,    // main handshake done; waiting briefly for a TLS 1.3 session ticket
    kDone,
  };

  void start_probe(const ProbeSpec& spec);
  void connect();
  // nullptr when the probe's client profile could not be built.
  std::unique_ptr<tls::ProbeSession> make_session();
  void send_pending();
  void session_progress(tls::ProbeSession::State state);
  void probe_succeeded();
  void raw_probe_done();
  bool next_enumeration_probe();
  void enumeration_recorded(tls::ProbeOutcome outcome);
  void probe_failed(ErrorKind kind, std::string detail, int alert = -1);
  void probe_finished(const ProbeOutcome& outcome);
  // Notes in the record why the probes stopped early (the first reason only).
  void probes_stopped(ProbeKind kind, std::string code, std::string detail);
  void main_succeeded(ProbeOutcome& outcome);
  // false: the certificate served without SNI does not parse (the probe failed).
  bool no_sni_succeeded();
  bool covers_sni(X509* leaf) const;
  void fill_depth_results();
  void finish();
  double ms_since(uint64_t start_ns) const;
  uint64_t timeout_ms() const;

  JobHost& host_;
  EndpointSpec spec_;
  EndpointResult result_;
  State state_ = State::kConnecting;
  ProbePlan plan_;
  ProbeSpec probe_;
  std::unique_ptr<net::TcpConnection> connection_;
  std::unique_ptr<tls::ProbeSession> session_;
  tls::ClientSession* client_ = nullptr;  // session_, when the probe is an OpenSSL handshake
  tls::RawHelloSession* raw_ = nullptr;   // session_, when it is a hand-built hello
  std::string outgoing_;
  int attempts_ = 0;
  size_t bytes_read_ = 0;
  uint64_t start_ns_ = 0;
  uint64_t attempt_start_ns_ = 0;
  uint64_t handshake_start_ns_ = 0;
  bool linger_grace_used_ = false;

  // What later probes reuse or decide.
  tls::SslSessionPtr ticket_session_;         // the main handshake's, to resume by ticket
  tls::SslSessionPtr session_id_session_;     // a ticket-less TLS <= 1.2 session
  bool session_id_without_sni_ = false;       // session_id_session_ is the no-SNI probe's
  std::optional<bool> main_leaf_covers_sni_;  // X509_check_host of the main leaf and SNI
  std::optional<bool> ticket_resumed_;
  std::optional<bool> session_id_resumed_;
  std::vector<std::string> sslv2_ciphers_;        // from the SSLv2 SERVER-HELLO
  std::unique_ptr<FullEnumeration> enumeration_;  // depth full, once standard is done
  bool enumeration_done_ = false;                 // enumeration_ was made (or not needed)
  std::optional<tls::PlannedProbe> planned_;      // the enumeration hello in flight
};

}  // namespace tlsfleet::scanner
