// json-file, local and none: the drivers whose output berth can read back.
#include <sys/stat.h>

#include "logdriver/file_log_writers.h"
#include "logdriver/json_log_format.h"
#include "logdriver/local_log_format.h"

namespace berth {
namespace {

class JsonFileWriter final : public LogWriter {
 public:
  JsonFileWriter(RotatingFile file, std::string rawAttrs)
      : file_(std::move(file)), rawAttrs_(std::move(rawAttrs)) {}

  Status write(const LogMessage& msg) override {
    buf_.clear();
    appendJsonLogLine(buf_, msg, rawAttrs_);
    return file_.append(buf_);
  }

 private:
  RotatingFile file_;
  std::string rawAttrs_;
  std::string buf_;  // reused: one allocation for the writer's life
};

class LocalWriter final : public LogWriter {
 public:
  explicit LocalWriter(RotatingFile file) : file_(std::move(file)) {}

  Status write(const LogMessage& msg) override {
    buf_.clear();
    appendLocalRecord(buf_, msg);
    return file_.append(buf_);
  }

 private:
  RotatingFile file_;
  std::string buf_;
};

class NoneWriter final : public LogWriter {
 public:
  Status write(const LogMessage& /*msg*/) override { return okStatus(); }
};

Status checkLogPath(const std::string& path) {
  if (path.empty() || path[0] != '/') {
    return invalidArgument("log path must be absolute, got \"" + path + "\"");
  }
  return okStatus();
}

}  // namespace

Result<std::unique_ptr<LogWriter>> openJsonFileWriter(const LogWriterConfig& config) {
  BERTH_TRY(checkLogPath(config.path));
  BERTH_ASSIGN_OR_RETURN(FileLogOptions limits, parseJsonFileOptions(config.opts));
  std::map<std::string, std::string> attrs = config.context.attrs;
  // dockerd's json-file has no default tag: it records one only when asked.
  if (auto it = config.opts.find("tag"); it != config.opts.end()) {
    BERTH_ASSIGN_OR_RETURN(std::string tag, renderLogTag(it->second, config.context));
    if (!tag.empty()) {
      attrs["tag"] = tag;
    }
  }
  BERTH_ASSIGN_OR_RETURN(RotatingFile file, RotatingFile::open(config.path, limits));
  return std::unique_ptr<LogWriter>(
      std::make_unique<JsonFileWriter>(std::move(file), encodeJsonLogAttrs(attrs)));
}

Result<std::unique_ptr<LogWriter>> openLocalWriter(const LogWriterConfig& config) {
  BERTH_TRY(checkLogPath(config.path));
  BERTH_ASSIGN_OR_RETURN(FileLogOptions limits, parseLocalOptions(config.opts));
  BERTH_ASSIGN_OR_RETURN(RotatingFile file, RotatingFile::open(config.path, limits));
  return std::unique_ptr<LogWriter>(std::make_unique<LocalWriter>(std::move(file)));
}

std::unique_ptr<LogWriter> makeNoneWriter() { return std::make_unique<NoneWriter>(); }

}  // namespace berth
