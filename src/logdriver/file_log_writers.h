// Internal to logdriver/: the concrete writers behind openLogWriter().
#pragma once

#include <memory>

#include "logdriver/log_writer.h"
#include "logdriver/rotating_file.h"

namespace berth {

Result<std::unique_ptr<LogWriter>> openJsonFileWriter(const LogWriterConfig& config);
Result<std::unique_ptr<LogWriter>> openLocalWriter(const LogWriterConfig& config);
std::unique_ptr<LogWriter> makeNoneWriter();
Result<std::unique_ptr<LogWriter>> openSyslogWriter(const LogWriterConfig& config);
Result<std::unique_ptr<LogWriter>> openJournaldWriter(const LogWriterConfig& config);

}  // namespace berth
