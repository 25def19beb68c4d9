#include "common/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <memory>
#include <string>

namespace berth::log {

namespace {

// Prints logrus's level words (warning, fatal) instead of spdlog's (warn, critical).
class LevelFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/,
              spdlog::memory_buf_t& dest) override {
    std::string_view name;
    switch (msg.level) {
      case spdlog::level::trace:
        name = "trace";
        break;
      case spdlog::level::debug:
        name = "debug";
        break;
      case spdlog::level::info:
        name = "info";
        break;
      case spdlog::level::warn:
        name = "warning";
        break;
      case spdlog::level::err:
        name = "error";
        break;
      default:
        name = "fatal";
        break;
    }
    dest.append(name.data(), name.data() + name.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<LevelFlag>();
  }
};

}  // namespace

Result<spdlog::level::level_enum> parseLevel(std::string_view name) {
  if (name == "trace") {
    return spdlog::level::trace;
  }
  if (name == "debug") {
    return spdlog::level::debug;
  }
  if (name == "info") {
    return spdlog::level::info;
  }
  if (name == "warn" || name == "warning") {
    return spdlog::level::warn;
  }
  if (name == "error") {
    return spdlog::level::err;
  }
  if (name == "fatal" || name == "panic") {
    return spdlog::level::critical;
  }
  return invalidArgument("unable to parse logging level: " + std::string(name));
}

void init(spdlog::level::level_enum level) {
  auto logger = std::make_shared<spdlog::logger>(
      "berthd", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<LevelFlag>('*').set_pattern(R"(time="%Y-%m-%dT%H:%M:%S.%fZ" level=%* msg="%v")");
  logger->set_formatter(std::move(formatter));
  logger->set_level(level);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

void setLevel(spdlog::level::level_enum level) { spdlog::set_level(level); }

}  // namespace berth::log
