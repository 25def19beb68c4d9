// docker rmi and docker image prune, with dockerd's conflict rules
// (daemon/images/image_delete.go): hard conflicts (a running container) are
// never forced; soft ones (a stopped container, other tags) need force.
#include <algorithm>

#include "common/ids.h"
#include "common/time_format.h"
#include "image/digest.h"
#include "image/image_config.h"
#include "image/image_service.h"

namespace berth::image {

namespace {

std::string truncId(const std::string& id) { return shortId(digestHex(id)); }

// chain(0) = diff(0); chain(i) = sha256(chain(i-1) + " " + diff(i)): the ids
// dockerd reports for the layers it deletes.
std::vector<std::string> chainIds(const std::vector<std::string>& diffIds) {
  std::vector<std::string> out;
  out.reserve(diffIds.size());
  for (const auto& d : diffIds) {
    out.push_back(out.empty() ? d : sha256Digest(out.back() + " " + d));
  }
  return out;
}

}  // namespace

Result<std::vector<DeleteItem>> ImageService::remove(
    std::string_view name, bool force, bool /*noprune: images have no parents here*/) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t reclaimed = 0;
  return removeLocked(name, force, &reclaimed);
}

Result<std::vector<DeleteItem>> ImageService::removeLocked(std::string_view name, bool force,
                                                           int64_t* reclaimed) {
  BERTH_ASSIGN_OR_RETURN(Found found, find(name));
  StoredImage img = found.image;
  nlohmann::json config = nlohmann::json::parse(img.config, nullptr, false);
  std::vector<DeleteItem> out;

  if (!found.byId) {
    // A repository reference: untag it; the image goes too when that was its last tag.
    std::string familiar = found.ref->familiarString();
    if (!force && img.repoTags.size() == 1) {
      auto users = usersOf(img.id);
      if (!users.empty()) {
        return conflict("conflict: unable to remove repository reference \"" + std::string(name) +
                        "\" (must force) - container " + shortId(users.front().containerId) +
                        " is using its referenced image " + truncId(img.id));
      }
    }
    auto committed = store_.update([&](store::Txn& txn) -> Status {
      BERTH_ASSIGN_OR_RETURN(StoredImage cur, images_.get(txn, digestHex(img.id)));
      std::erase(cur.repoTags, familiar);
      BERTH_TRY(tags_.del(txn, tagKeyId(familiar)));
      BERTH_TRY(images_.put(txn, digestHex(img.id), cur));
      img = cur;
      return okStatus();
    });
    BERTH_TRY(committed);
    out.push_back({familiar, ""});
    emit("untag", img.id, img.id, &config);
    if (!img.repoTags.empty()) {
      return out;
    }
    BERTH_TRY(deleteImage(img, force, true, out, reclaimed));
    return out;
  }

  // An id: with one tag, the tag goes with it (after the container checks).
  if (img.repoTags.size() == 1) {
    auto users = usersOf(img.id);
    for (const auto& u : users) {
      if (u.running) {
        return conflict("conflict: unable to delete " + truncId(img.id) +
                        " (cannot be forced) - image is being used by running container " +
                        shortId(u.containerId));
      }
    }
    if (!force && !users.empty()) {
      return conflict("conflict: unable to delete " + truncId(img.id) +
                      " (must be forced) - image is being used by stopped container " +
                      shortId(users.front().containerId));
    }
    std::string familiar = img.repoTags.front();
    auto committed = store_.update([&](store::Txn& txn) -> Status {
      BERTH_ASSIGN_OR_RETURN(StoredImage cur, images_.get(txn, digestHex(img.id)));
      std::erase(cur.repoTags, familiar);
      BERTH_TRY(tags_.del(txn, tagKeyId(familiar)));
      BERTH_TRY(images_.put(txn, digestHex(img.id), cur));
      img = cur;
      return okStatus();
    });
    BERTH_TRY(committed);
    out.push_back({familiar, ""});
    emit("untag", img.id, img.id, &config);
  }
  BERTH_TRY(deleteImage(img, force, false, out, reclaimed));
  return out;
}

Status ImageService::deleteImage(const StoredImage& img, bool force, bool quiet,
                                 std::vector<DeleteItem>& out, int64_t* reclaimed) {
  auto users = usersOf(img.id);
  std::optional<Error> problem;
  bool used = false;
  for (const auto& u : users) {
    if (u.running) {
      problem = conflict("conflict: unable to delete " + truncId(img.id) +
                         " (cannot be forced) - image is being used by running container " +
                         shortId(u.containerId));
      used = true;
      break;
    }
  }
  if (!problem && !force && !img.repoTags.empty()) {
    problem = conflict("conflict: unable to delete " + truncId(img.id) +
                       " (must be forced) - image is referenced in multiple repositories");
  }
  if (!problem && !force && !users.empty()) {
    problem = conflict("conflict: unable to delete " + truncId(img.id) +
                       " (must be forced) - image is being used by stopped container " +
                       shortId(users.front().containerId));
    used = true;
  }
  if (problem) {
    bool dangling = img.repoTags.empty();
    if (quiet && (!dangling || used)) {
      return okStatus();
    }
    return *problem;
  }

  nlohmann::json config = nlohmann::json::parse(img.config, nullptr, false);
  std::vector<std::string> untagged;
  auto committed = store_.update([&](store::Txn& txn) -> Status {
    untagged.clear();
    BERTH_ASSIGN_OR_RETURN(StoredImage cur, images_.get(txn, digestHex(img.id)));
    untagged = cur.repoTags;
    return deleteInTxn(txn, cur);
  });
  BERTH_TRY(committed);
  for (const auto& t : untagged) {
    out.push_back({t, ""});
    emit("untag", img.id, img.id, &config);
  }
  out.push_back({"", img.id});
  emit("delete", img.id, img.id, &config);

  BERTH_ASSIGN_OR_RETURN(auto removed, collectLayers(img.diffIds));
  auto chains = chainIds(img.diffIds);
  for (size_t i = 0; i < img.diffIds.size(); ++i) {
    auto it = removed.find(img.diffIds[i]);
    if (it != removed.end()) {
      out.push_back({"", chains[i]});
      *reclaimed += it->second;
      removed.erase(it);  // a layer used twice in one image is reported once
    }
  }
  return okStatus();
}

Result<PruneReport> ImageService::prune(const Filters& filters) {
  BERTH_TRY(filters.validateKeys({"dangling", "label", "label!", "until"}));
  bool danglingOnly = true;
  for (const auto& v : filters.get("dangling")) {
    if (v == "true" || v == "1") {
      danglingOnly = true;
    } else if (v == "false" || v == "0") {
      danglingOnly = false;
    } else {
      return invalidArgument("invalid filter 'dangling=" + v + "'");
    }
  }
  int64_t until = 0;
  for (const auto& v : filters.get("until")) {
    BERTH_ASSIGN_OR_RETURN(until, parseFilterTimestamp(v, now()));
  }

  std::lock_guard<std::mutex> lock(mu_);
  BERTH_ASSIGN_OR_RETURN(std::vector<StoredImage> all, allImages());
  PruneReport report;
  for (const auto& img : all) {
    if (danglingOnly && !img.repoTags.empty()) {
      continue;
    }
    if (until != 0 && img.createdNano > until) {
      continue;
    }
    nlohmann::json config = nlohmann::json::parse(img.config, nullptr, false);
    auto labels = imageLabels(config);
    if (!filters.matchKVList("label", labels)) {
      continue;
    }
    // label!=k[=v]: images carrying any of these labels are kept.
    bool excluded = false;
    for (const auto& v : filters.get("label!")) {
      Filters one;
      one.add("label", v);
      excluded = excluded || one.matchKVList("label", labels);
    }
    if (excluded) {
      continue;
    }
    if (!usersOf(img.id).empty()) {
      continue;
    }
    // Tagged images go tag by tag, the last untag deleting the image.
    std::vector<std::string> names = img.repoTags;
    if (names.empty()) {
      names.push_back(img.id);
    }
    for (const auto& name : names) {
      auto items = removeLocked(name, false, &report.spaceReclaimed);
      if (!items.ok()) {
        if (items.error().kind() == ErrorKind::kConflict ||
            items.error().kind() == ErrorKind::kNotFound) {
          continue;  // dockerd skips what it cannot delete
        }
        return std::move(items).error();
      }
      report.deleted.insert(report.deleted.end(), items->begin(), items->end());
    }
  }
  return report;
}

}  // namespace berth::image
