// Typed access to one kind of object stored as JSON under "<kind>/<id>", through
// the to_json/from_json functions nlohmann::json finds for T.
#pragma once

#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "store/store.h"

namespace berth::store {

template <typename T>
class Collection {
 public:
  // prefix ends with '/', like "networks/". kind names one object in messages
  // ("no such network: x"); it defaults to the prefix without its slash.
  Collection(Store& store, std::string prefix, std::string kind = "")
      : store_(store), prefix_(std::move(prefix)), kind_(std::move(kind)) {
    if (kind_.empty()) {
      kind_ = prefix_.substr(0, prefix_.find_last_not_of('/') + 1);
    }
  }

  const std::string& prefix() const { return prefix_; }
  std::string key(std::string_view id) const { return prefix_ + std::string(id); }

  // Reads outside a transaction. A missing object is kNotFound.
  Result<T> get(std::string_view id) const {
    BERTH_TRY(validateId(id));
    BERTH_ASSIGN_OR_RETURN(std::optional<KeyValue> kv, store_.get(key(id)));
    return fromStored(id, kv);
  }

  // Every object of this kind, ordered by id.
  Result<std::vector<T>> list() const {
    BERTH_ASSIGN_OR_RETURN(std::vector<KeyValue> kvs, store_.list(prefix_));
    return decodeAll(kvs);
  }

  // The same, inside a transaction.
  Result<T> get(Txn& txn, std::string_view id) const {
    BERTH_TRY(validateId(id));
    BERTH_ASSIGN_OR_RETURN(std::optional<KeyValue> kv, txn.get(key(id)));
    return fromStored(id, kv);
  }

  Result<std::vector<T>> list(Txn& txn) const {
    BERTH_ASSIGN_OR_RETURN(std::vector<KeyValue> kvs, txn.list(prefix_));
    return decodeAll(kvs);
  }

  // Creates or overwrites the object.
  Status put(Txn& txn, std::string_view id, const T& value) const {
    BERTH_TRY(validateId(id));
    BERTH_ASSIGN_OR_RETURN(std::string encoded, encode(id, value));
    return txn.put(key(id), encoded);
  }

  // Creates the object; kConflict if one with this id exists.
  Status create(Txn& txn, std::string_view id, const T& value) const {
    BERTH_TRY(validateId(id));
    BERTH_ASSIGN_OR_RETURN(std::string encoded, encode(id, value));
    Status status = txn.putIf(key(id), encoded, 0);
    if (!status.ok() && status.error().kind() == ErrorKind::kConflict) {
      return conflict(kind_ + " " + std::string(id) + " already exists");
    }
    return status;
  }

  // Deletes the object; a missing one is not an error (see Txn::del).
  Status del(Txn& txn, std::string_view id) const {
    BERTH_TRY(validateId(id));
    return txn.del(key(id));
  }

 private:
  // Ids are one path segment: a '/' would make "<kind>/<id>" ambiguous and
  // leak nested keys into list().
  Status validateId(std::string_view id) const {
    if (id.empty() || id.find('/') != std::string_view::npos) {
      return invalidArgument("invalid " + kind_ + " id '" + std::string(id) + "'");
    }
    return okStatus();
  }

  Result<T> fromStored(std::string_view id, const std::optional<KeyValue>& kv) const {
    if (!kv) {
      return notFound("no such " + kind_ + ": " + std::string(id));
    }
    return decode(*kv);
  }

  Result<std::vector<T>> decodeAll(const std::vector<KeyValue>& kvs) const {
    std::vector<T> out;
    out.reserve(kvs.size());
    for (const KeyValue& kv : kvs) {
      BERTH_ASSIGN_OR_RETURN(T value, decode(kv));
      out.push_back(std::move(value));
    }
    return out;
  }

  // The store is ours, so bad JSON there is a bug or a damaged file: kInternal.
  Result<T> decode(const KeyValue& kv) const {
    nlohmann::json j = nlohmann::json::parse(kv.value, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      return internal("stored " + kv.key + " is not valid JSON");
    }
    try {
      return j.get<T>();
    } catch (const std::exception& e) {
      return internal("stored " + kv.key + " does not decode as a " + kind_ + ": " + e.what());
    }
  }

  // Encoding fails on strings that are not UTF-8, which came from the caller.
  Result<std::string> encode(std::string_view id, const T& value) const {
    try {
      nlohmann::json j = value;
      return j.dump();
    } catch (const std::exception& e) {
      return invalidArgument("cannot encode " + kind_ + " " + std::string(id) + ": " + e.what());
    }
  }

  Store& store_;
  std::string prefix_;
  std::string kind_;
};

}  // namespace berth::store
