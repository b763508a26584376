// EndpointJob: the scan of one (ip, port, sni) endpoint at basic depth, as an explicit
// state machine: connect -> handshake -> analyse -> done. One connection at a time;
// a connect that times out is retried up to --retries times, each with a fresh deadline.
#pragma once

#include <memory>
#include <string>

#include "net/tcp_connection.h"
#include "scanner/endpoint_result.h"
#include "scanner/error.h"
#include "scanner/scan_options.h"
#include "scanner/work_item.h"
#include "tls/client_session.h"

namespace tlsfleet::scanner {

class EndpointJob;

// What a job needs from the worker that runs it.
class JobHost {
 public:
  virtual ~JobHost() = default;
  virtual uv_loop_t* loop() = 0;
  virtual SSL_CTX* client_context() = 0;
  virtual X509_STORE* trust_store() = 0;
  virtual const ScanOptions& options() = 0;
  // The job is finished; the result is final. The host reaps the job later, outside
  // the job's own callbacks.
  virtual void job_done(EndpointJob* job, EndpointResult&& result) = 0;
  // Takes a closing connection and frees it once its handles have closed.
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
  enum class State { kConnecting, kHandshaking, kDone };

  void connect();
  void send_pending();
  void handshake_progress(tls::ClientSession::State state);
  void handshake_succeeded();
  void handshake_failed();
  void fail(ErrorKind kind, std::string detail, int alert = -1);
  void finish();
  double ms_since(uint64_t start_ns) const;

  JobHost& host_;
  EndpointSpec spec_;
  EndpointResult result_;
  State state_ = State::kConnecting;
  std::unique_ptr<net::TcpConnection> connection_;
  std::unique_ptr<tls::ClientSession> session_;
  std::string outgoing_;
  int attempts_ = 0;
  size_t bytes_read_ = 0;
  uint64_t start_ns_ = 0;
  uint64_t attempt_start_ns_ = 0;
  uint64_t handshake_start_ns_ = 0;
};

}  // namespace tlsfleet::scanner
