#include "shim/shim_options.h"

#include <cctype>

namespace berth {
namespace {

bool isPlainName(const std::string& s) {
  if (s.empty() || s.size() > 128 || s == "." || s == "..") {
    return false;
  }
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

Status requireAbsolute(const char* flag, const std::string& path) {
  if (path.empty() || path[0] != '/') {
    return invalidArgument(std::string(flag) + " must be an absolute path, got \"" + path + "\"");
  }
  return okStatus();
}

Result<std::pair<std::string, std::string>> splitKeyValue(const char* flag, const std::string& kv) {
  size_t eq = kv.find('=');
  if (eq == std::string::npos || eq == 0) {
    return invalidArgument(std::string(flag) + " wants KEY=VALUE, got \"" + kv + "\"");
  }
  return std::make_pair(kv.substr(0, eq), kv.substr(eq + 1));
}

}  // namespace

Result<ShimOptions> parseShimArgs(const std::vector<std::string>& args) {
  ShimOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> Result<std::string> {
      if (i + 1 >= args.size()) {
        return invalidArgument("flag " + a + " needs a value");
      }
      return args[++i];
    };
    if (a == "--terminal") {
      o.terminal = true;
    } else if (a == "--stdin") {
      o.stdinOpen = true;
    } else if (a == "--stdin-once") {
      o.stdinOnce = true;
    } else if (a == "--wait-attach") {
      o.waitAttach = true;
    } else if (a == "--id") {
      BERTH_ASSIGN_OR_RETURN(o.id, value());
    } else if (a == "--name") {
      BERTH_ASSIGN_OR_RETURN(o.name, value());
    } else if (a == "--bundle") {
      BERTH_ASSIGN_OR_RETURN(o.bundle, value());
    } else if (a == "--state-dir") {
      BERTH_ASSIGN_OR_RETURN(o.stateDir, value());
    } else if (a == "--runtime") {
      BERTH_ASSIGN_OR_RETURN(o.runtime, value());
    } else if (a == "--runtime-root") {
      BERTH_ASSIGN_OR_RETURN(o.runtimeRoot, value());
    } else if (a == "--log-driver") {
      BERTH_ASSIGN_OR_RETURN(o.logDriver, value());
    } else if (a == "--log-opt") {
      BERTH_ASSIGN_OR_RETURN(std::string kv, value());
      BERTH_ASSIGN_OR_RETURN(auto p, splitKeyValue("--log-opt", kv));
      o.logOpts[p.first] = p.second;
    } else if (a == "--log-attr") {
      BERTH_ASSIGN_OR_RETURN(std::string kv, value());
      BERTH_ASSIGN_OR_RETURN(auto p, splitKeyValue("--log-attr", kv));
      o.logAttrs[p.first] = p.second;
    } else if (a == "--log-path") {
      BERTH_ASSIGN_OR_RETURN(o.logPath, value());
    } else if (a == "--exec") {
      BERTH_ASSIGN_OR_RETURN(o.execId, value());
    } else if (a == "--process-json") {
      BERTH_ASSIGN_OR_RETURN(o.processJson, value());
    } else {
      return invalidArgument("unknown flag \"" + a + "\"");
    }
  }
  if (!isPlainName(o.id)) {
    return invalidArgument("--id must be a plain name ([A-Za-z0-9_.-]), got \"" + o.id + "\"");
  }
  BERTH_TRY(requireAbsolute("--state-dir", o.stateDir));
  BERTH_TRY(requireAbsolute("--runtime", o.runtime));
  BERTH_TRY(requireAbsolute("--runtime-root", o.runtimeRoot));
  if (o.isExec()) {
    if (!isPlainName(o.execId)) {
      return invalidArgument("--exec must be a plain name ([A-Za-z0-9_.-]), got \"" + o.execId + "\"");
    }
    BERTH_TRY(requireAbsolute("--process-json", o.processJson));
    // An exec's output goes to its attach clients only, like dockerd's.
    o.logDriver = "none";
  } else {
    BERTH_TRY(requireAbsolute("--bundle", o.bundle));
    if (!o.processJson.empty()) {
      return invalidArgument("--process-json is only for --exec");
    }
    if (o.logDriver == "json-file" || o.logDriver == "local") {
      BERTH_TRY(requireAbsolute("--log-path", o.logPath));
    }
  }
  if (o.stdinOnce && !o.stdinOpen) {
    return invalidArgument("--stdin-once needs --stdin");
  }
  return o;
}

std::vector<std::string> runcArgv(const ShimOptions& opts, const ShimFiles& files,
                                  const std::string& consoleSocket) {
  std::vector<std::string> argv = {opts.runtime,          "--root", opts.runtimeRoot,
                                   "--log",               opts.stateDir + "/" + files.runcLog,
                                   "--log-format",        "json"};
  if (opts.isExec()) {
    argv.insert(argv.end(), {"exec", "-d", "--pid-file", opts.stateDir + "/" + files.processPid,
                             "--process", opts.processJson});
  } else {
    argv.insert(argv.end(), {"run", "-d", "--pid-file", opts.stateDir + "/" + files.processPid,
                             "--bundle", opts.bundle});
  }
  if (!consoleSocket.empty()) {
    argv.insert(argv.end(), {"--console-socket", consoleSocket});
  }
  argv.push_back(opts.id);
  return argv;
}

}  // namespace berth
