// The journald driver: systemd's native journal protocol over its datagram socket.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace berth {

// One native-protocol datagram: "KEY=value\n" per field, or for a value holding
// a newline "KEY\n" + its length as u64 little-endian + value + "\n".
std::string encodeJournalFields(const std::map<std::string, std::string>& fields);

// dockerd's sanitizeKeyMod: upper-case, anything but [A-Z0-9] becomes '_',
// leading '_' dropped (journald field names).
std::string journalFieldName(std::string_view key);

}  // namespace berth
