#include "logdriver/log_writer.h"

#include "logdriver/file_log_writers.h"

namespace berth {

Result<std::unique_ptr<LogWriter>> openLogWriter(const LogWriterConfig& config) {
  BERTH_TRY(validateLogConfig(config.driver, config.opts, config.journaldSocket));
  if (config.driver == "json-file") {
    return openJsonFileWriter(config);
  }
  if (config.driver == "local") {
    return openLocalWriter(config);
  }
  if (config.driver == "syslog") {
    return openSyslogWriter(config);
  }
  if (config.driver == "journald") {
    return openJournaldWriter(config);
  }
  return makeNoneWriter();  // "none": validateLogConfig let nothing else through
}

}  // namespace berth
