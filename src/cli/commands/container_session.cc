#include "cli/commands/container_session.h"

#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <ostream>

#include "cli/command.h"
#include "cli/commands/container.h"
#include "cli/terminal.h"

namespace berth::cli {

namespace {

constexpr auto kResizePoll = std::chrono::milliseconds(250);

std::string signalName(int signo) {
  switch (signo) {
    case SIGHUP:
      return "HUP";
    case SIGINT:
      return "INT";
    case SIGQUIT:
      return "QUIT";
    case SIGTERM:
      return "TERM";
    case SIGUSR1:
      return "USR1";
    case SIGUSR2:
      return "USR2";
    case SIGALRM:
      return "ALRM";
    default:
      return std::to_string(signo);
  }
}

}  // namespace

// ---- AttachedStream -------------------------------------------------------------

Result<std::unique_ptr<AttachedStream>> AttachedStream::start(ApiClient& client,
                                                              const ApiRequest& request,
                                                              StreamOptions io) {
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<HijackedConn> conn, client.hijack(request));
  std::unique_ptr<AttachedStream> s(new AttachedStream());
  s->conn_ = std::move(conn);
  s->result_ = s->done_.get_future();
  s->thread_ = std::thread([p = s.get(), io = std::move(io)] {
    p->done_.set_value(streamHijacked(*p->conn_, io));
  });
  return s;
}

AttachedStream::~AttachedStream() {
  if (thread_.joinable()) {
    conn_->close();
    thread_.join();
  }
}

Result<StreamEnd> AttachedStream::wait() {
  if (!final_) {
    final_.emplace(result_.get());
    thread_.join();
  }
  return *final_;
}

void AttachedStream::cancel() {
  if (!final_) {
    conn_->close();
  }
  (void)wait();
}

// ---- ContainerWaiter ------------------------------------------------------------

Result<std::unique_ptr<ContainerWaiter>> ContainerWaiter::start(CommandContext& ctx,
                                                                const std::string& id,
                                                                const std::string& condition) {
  std::unique_ptr<ContainerWaiter> w(new ContainerWaiter());
  BERTH_ASSIGN_OR_RETURN(w->client_, newClient(ctx));
  auto accepted = std::make_shared<std::promise<Status>>();
  std::future<Status> acceptedFuture = accepted->get_future();
  ApiRequest req;
  req.method = "POST";
  req.path = "/containers/" + id + "/wait";
  if (!condition.empty()) {
    req.query = {{"condition", condition}};
  }
  w->thread_ = std::thread([p = w.get(), accepted, req] {
    bool headSeen = false;
    Status st = p->client_->stream(
        req,
        [&](unsigned status) {
          if (status >= 200 && status <= 299) {
            headSeen = true;
            accepted->set_value(okStatus());
          }
        },
        [p](std::string_view chunk) {
          p->body_.append(chunk);
          return true;
        });
    p->outcome_ = st;
    if (!headSeen) {
      accepted->set_value(st.ok() ? Status(internal("the daemon ended the wait request")) : st);
    }
  });
  Status st = acceptedFuture.get();
  if (!st.ok()) {
    w->thread_.join();
    return std::move(st).error();
  }
  return w;
}

ContainerWaiter::~ContainerWaiter() { cancel(); }

void ContainerWaiter::cancel() {
  if (thread_.joinable()) {
    client_->interrupt();
    thread_.join();
  }
}

Result<int> ContainerWaiter::result() {
  if (thread_.joinable()) {
    thread_.join();
  }
  if (!outcome_.ok()) {
    return outcome_.error();
  }
  auto reply = nlohmann::json::parse(body_, nullptr, false);
  if (!reply.is_object()) {
    return internal("invalid reply to wait: " + body_.substr(0, 80));
  }
  auto errIt = reply.find("Error");
  if (errIt != reply.end() && errIt->is_object()) {
    std::string message = errIt->value("Message", "");
    if (!message.empty()) {
      return internal(message);
    }
  }
  return reply.value("StatusCode", 0);
}

int ContainerWaiter::status(std::ostream& err) {
  Result<int> r = result();
  if (!r.ok()) {
    err << "error waiting for container: " << r.error().message() << "\n";
    return 125;
  }
  return *r;
}

// ---- ResizeMonitor -----------------------------------------------------------------

std::unique_ptr<ResizeMonitor> ResizeMonitor::start(CommandContext& ctx, std::string path) {
  std::unique_ptr<ResizeMonitor> m(new ResizeMonitor());
  auto client = newClient(ctx);
  if (!client.ok()) {
    ctx.err() << "Error monitoring TTY size: " << client.error().message() << "\n";
    return nullptr;
  }
  m->client_ = std::move(client).value();
  m->path_ = std::move(path);
  m->thread_ = std::thread([p = m.get(), stop = m->stop_.get_future()] {
    std::optional<std::pair<int, int>> last;
    do {
      auto size = terminalSize(STDOUT_FILENO);
      if (size && size != last && size->first > 0 && size->second > 0) {
        last = size;
        (void)p->client_->call("POST", p->path_,
                               {{"h", std::to_string(size->first)},
                                {"w", std::to_string(size->second)}});
      }
    } while (stop.wait_for(kResizePoll) == std::future_status::timeout);
  });
  return m;
}

ResizeMonitor::~ResizeMonitor() {
  stop_.set_value();
  if (thread_.joinable()) {
    thread_.join();
  }
}

// ---- helpers ---------------------------------------------------------------------

Result<std::unique_ptr<SignalProxy>> proxySignals(CommandContext& ctx, const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<ApiClient> client, newClient(ctx));
  std::shared_ptr<ApiClient> shared(std::move(client));
  return SignalProxy::start([shared, id](int signo) {
    (void)shared->call("POST", "/containers/" + id + "/kill", {{"signal", signalName(signo)}});
  });
}

Query attachQuery(bool in, bool out, bool err, const std::string& detachKeys) {
  Query q;
  if (!detachKeys.empty()) {
    q.emplace_back("detachKeys", detachKeys);
  }
  if (err) {
    q.emplace_back("stderr", "1");
  }
  if (in) {
    q.emplace_back("stdin", "1");
  }
  if (out) {
    q.emplace_back("stdout", "1");
  }
  q.emplace_back("stream", "1");
  return q;
}

std::string detachKeyBytes(const std::string& flag, std::ostream& err) {
  if (!flag.empty()) {
    auto keys = parseDetachKeys(flag);
    if (keys.ok()) {
      return *keys;
    }
    err << "invalid detach escape keys, using default: " << keys.error().message() << "\n";
  }
  return parseDetachKeys(kDefaultDetachKeys).valueOr("");
}

}  // namespace berth::cli
