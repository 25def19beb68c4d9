// The syslog driver's message layout, as dockerd (srslog) builds it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "logdriver/log_options.h"

namespace berth {

// One message, '\n'-terminated. `content` is the line without its '\n'.
//   kUnix:         <PRI>Jan _2 15:04:05 TAG[PID]: CONTENT
//   kRfc3164:      <PRI>Jan _2 15:04:05 HOST TAG[PID]: CONTENT
//   kRfc5424:      <PRI>1 2006-01-02T15:04:05Z07:00 HOST TAG PID TAG - CONTENT
//   kRfc5424Micro: the same with microseconds.
// Times are local time (the shim's TZ), as dockerd's time.Now().
std::string formatSyslogMessage(SyslogFormat format, int priority, int64_t unixNano,
                                std::string_view hostname, std::string_view tag, int pid,
                                std::string_view content);

}  // namespace berth
