// Docker's `filters` query parameter: a map from key to a set of values, with
// dockerd's matching rules (exact, fuzzy prefix, label key[=value] lists).
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth {

class Filters {
 public:
  Filters() = default;

  // Parses the JSON forms dockerd accepts: {"k":{"v":true}} and the legacy {"k":["v"]}.
  // An empty string is no filter.
  static Result<Filters> parse(std::string_view json);

  // Fails with dockerd's "invalid filter 'x'" when a key is not in `accepted`.
  Status validateKeys(const std::set<std::string, std::less<>>& accepted) const;

  void add(const std::string& key, const std::string& value) { values_[key].insert(value); }
  bool empty() const { return values_.empty(); }
  bool contains(std::string_view key) const { return values_.find(key) != values_.end(); }
  const std::set<std::string>& get(std::string_view key) const;

  // True when the key is absent or `value` equals one of its values.
  bool exactMatch(std::string_view key, std::string_view value) const;
  // True when the key is absent or one of its values equals or prefixes `value`.
  bool fuzzyMatch(std::string_view key, std::string_view value) const;
  // True when the key is absent or every "k" / "k=v" value is satisfied by `labels`.
  bool matchKVList(std::string_view key, const std::map<std::string, std::string>& labels) const;

  std::string toJson() const;

 private:
  std::map<std::string, std::set<std::string>, std::less<>> values_;
};

}  // namespace berth
