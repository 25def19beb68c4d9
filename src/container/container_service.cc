// The service's shared helpers, lookups and read-only views (ps, inspect).
#include "container/container_service.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/ids.h"
#include "common/time_format.h"
#include "container/list_filter.h"
#include "container/service_internal.h"
#include "store/collection.h"

namespace berth::container {

namespace fs = std::filesystem;
using nlohmann::json;

Result<WaitCondition> parseWaitCondition(std::string_view s) {
  if (s.empty() || s == "not-running") {
    return WaitCondition::kNotRunning;
  }
  if (s == "next-exit") {
    return WaitCondition::kNextExit;
  }
  if (s == "removed") {
    return WaitCondition::kRemoved;
  }
  return invalidArgument("invalid condition: \"" + std::string(s) + "\"");
}

void Waiter::then(std::function<void(const WaitResult&)> fn) {
  std::unique_lock<std::mutex> lock(mu_);
  if (result_) {
    WaitResult r = *result_;
    lock.unlock();
    fn(r);
    return;
  }
  fn_ = std::move(fn);
}

WaitResult Waiter::get() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return result_.has_value(); });
  return *result_;
}

void Waiter::resolve(const WaitResult& r) {
  std::function<void(const WaitResult&)> fn;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (result_) {
      return;
    }
    result_ = r;
    fn = std::move(fn_);
  }
  cv_.notify_all();
  if (fn) {
    fn(r);
  }
}

nlohmann::json pathStatJson(const PathStat& st) {
  return {{"name", st.name},
          {"size", st.size},
          {"mode", st.mode},
          {"mtime", formatRfc3339Nano(st.mtimeNano)},
          {"linkTarget", st.linkTarget}};
}

ContainerService::ContainerService(ServiceDeps deps, ServiceOptions options)
    : d_(deps), o_(std::move(options)), gate_(std::make_shared<Gate>()) {
  if (o_.host.cpus <= 0) {
    long n = ::sysconf(_SC_NPROCESSORS_ONLN);
    o_.host.cpus = n > 0 ? static_cast<int>(n) : 1;
  }
  if (o_.host.hostname.empty()) {
    char buf[256] = {};
    if (::gethostname(buf, sizeof(buf) - 1) == 0) {
      o_.host.hostname = buf;
    }
  }
}

ContainerService::~ContainerService() {
  gate_->close();
  // Unregister every watch; containers keep running (live restore).
  std::map<std::string, std::shared_ptr<Live>> lives;
  std::map<std::string, std::shared_ptr<Exec>> execs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    lives.swap(lives_);
    execs.swap(execs_);
  }
  for (auto& [id, l] : lives) {
    std::unique_ptr<ProcessWatch> w;
    {
      std::lock_guard<std::mutex> lock(mu_);
      w = std::move(l->shimWatch);
    }
  }
  for (auto& [id, e] : execs) {
    std::unique_ptr<ProcessWatch> w;
    {
      std::lock_guard<std::mutex> lock(mu_);
      w = std::move(e->watch);
    }
  }
}

int64_t ContainerService::now() const { return o_.clock ? o_.clock() : nowUnixNano(); }

std::string ContainerService::bundleDir(const std::string& id) const {
  return o_.execRoot + "/containers/" + id;
}

std::shared_ptr<ContainerService::Live> ContainerService::live(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = lives_[id];
  if (!slot) {
    slot = std::make_shared<Live>();
  }
  return slot;
}

void ContainerService::forgetLive(const std::string& id) {
  std::unique_ptr<ProcessWatch> w;
  std::vector<std::shared_ptr<PendingAttach>> pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = lives_.find(id);
    if (it == lives_.end()) {
      return;
    }
    w = std::move(it->second->shimWatch);
    pending.swap(it->second->pendingAttaches);
    lives_.erase(it);
  }
  for (auto& p : pending) {
    std::lock_guard<std::mutex> lock(p->mu);
    p->phase = PendingAttach::Phase::kFailed;
    p->error = "container " + id + " was removed";
    p->cv.notify_all();
  }
}

Result<ContainerRecord> ContainerService::load(const std::string& id) const {
  store::Collection<ContainerRecord> coll(d_.store, kContainersPrefix, "container");
  return coll.get(id);
}

Status ContainerService::save(const ContainerRecord& rec) {
  store::Collection<ContainerRecord> coll(d_.store, kContainersPrefix, "container");
  auto r = d_.store.update([&](store::Txn& txn) { return coll.put(txn, rec.id, rec); });
  if (!r.ok()) {
    return Unexpected(std::move(r).error());
  }
  return okStatus();
}

Result<ContainerRecord> ContainerService::mutate(const std::string& id,
                                                 const std::function<void(ContainerRecord&)>& fn) {
  store::Collection<ContainerRecord> coll(d_.store, kContainersPrefix, "container");
  ContainerRecord out;
  auto r = d_.store.update([&](store::Txn& txn) -> Status {
    BERTH_ASSIGN_OR_RETURN(ContainerRecord rec, coll.get(txn, id));
    fn(rec);
    out = rec;
    return coll.put(txn, id, rec);
  });
  if (!r.ok()) {
    return Unexpected(std::move(r).error());
  }
  return out;
}

Status ContainerService::setNetworkSettings(const std::string& id, const nlohmann::json& networks,
                                            const nlohmann::json& ports) {
  auto r = mutate(id, [&](ContainerRecord& rec) {
    rec.networks = networks;
    rec.ports = ports;
  });
  return r.ok() ? okStatus() : Status(std::move(r).error());
}

void ContainerService::emit(const ContainerRecord& rec, const std::string& action,
                            const std::map<std::string, std::string>& attrs) {
  // dockerd: the labels first, then image and name win over a label of that name.
  std::map<std::string, std::string> all = rec.labels();
  for (auto& [k, v] : attrs) {
    all[k] = v;
  }
  all["image"] = rec.config.value("Image", std::string());
  all["name"] = rec.shortName();
  d_.events.publish(events::Event{"container", action, rec.id, std::move(all), "local", 0});
}

Result<ContainerRecord> ContainerService::find(std::string_view idOrName) const {
  std::string s(idOrName);
  auto nf = [&] { return notFound("No such container: " + s); };
  if (s.empty()) {
    return nf();
  }
  if (s.size() == 64 && isHexIdPrefix(s)) {
    auto r = load(s);
    if (r.ok() || r.error().kind() != ErrorKind::kNotFound) {
      return r;
    }
  }
  std::string name = s[0] == '/' ? s.substr(1) : s;
  if (!name.empty() && name.find('/') == std::string::npos) {
    store::Collection<NameEntry> names(d_.store, kNamesPrefix, "container name");
    auto entry = names.get(name);
    if (entry.ok()) {
      return load(entry->id);
    }
  }
  if (isHexIdPrefix(s)) {
    BERTH_ASSIGN_OR_RETURN(auto kvs, d_.store.list(std::string(kContainersPrefix) + s));
    if (kvs.size() > 1) {
      return invalidArgument("multiple IDs found with provided prefix: " + s);
    }
    if (kvs.size() == 1) {
      return load(kvs[0].key.substr(std::string(kContainersPrefix).size()));
    }
  }
  return nf();
}

namespace {

int64_t treeSize(const std::string& dir) {
  int64_t total = 0;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code sec;
    if (it->is_regular_file(sec) && !it->is_symlink(sec)) {
      total += static_cast<int64_t>(it->file_size(sec));
    }
  }
  return total;
}

int64_t layerSize(const std::string& layerDir) {
  // <data-root>/image/layers/<hex>/diff has its byte count in ../size.
  std::ifstream in(fs::path(layerDir).parent_path() / "size");
  int64_t n = 0;
  if (in >> n) {
    return n;
  }
  return treeSize(layerDir);
}

}  // namespace

std::optional<Sizes> ContainerService::sizesOf(const ContainerRecord& rec) const {
  Sizes s;
  s.rw = treeSize(overlayDir(o_.dataRoot, rec.id) + "/upper");
  s.rootFs = s.rw;
  for (const std::string& l : rec.layerDirs) {
    s.rootFs += layerSize(l);
  }
  return s;
}

std::vector<std::string> ContainerService::execIdsOf(const std::string& containerId) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [id, e] : execs_) {
    if (e->containerId == containerId) {
      out.push_back(id);
    }
  }
  return out;
}

Result<nlohmann::json> ContainerService::inspect(std::string_view idOrName, bool size) {
  BERTH_ASSIGN_OR_RETURN(ContainerRecord rec, find(idOrName));
  InspectContext ctx{o_.dataRoot, execIdsOf(rec.id), size ? sizesOf(rec) : std::nullopt};
  return inspectJson(rec, ctx);
}

Result<nlohmann::json> ContainerService::list(const ListOptions& opts) {
  BERTH_TRY(validateListFilters(opts.filters));
  store::Collection<ContainerRecord> coll(d_.store, kContainersPrefix, "container");
  BERTH_ASSIGN_OR_RETURN(std::vector<ContainerRecord> all, coll.list());
  std::sort(all.begin(), all.end(), [](const ContainerRecord& a, const ContainerRecord& b) {
    return a.createdNano != b.createdNano ? a.createdNano > b.createdNano : a.id > b.id;
  });
  ListContext ctx;
  for (const char* key : {"before", "since"}) {
    for (const std::string& v : opts.filters.get(key)) {
      BERTH_ASSIGN_OR_RETURN(ContainerRecord ref, find(v));
      (std::string(key) == "before" ? ctx.beforeCreated : ctx.sinceCreated) = ref.createdNano;
    }
  }
  for (const std::string& v : opts.filters.get("ancestor")) {
    auto img = d_.images.resolve(v);
    if (img.ok()) {
      ctx.ancestorIds.insert(img->id);
    }
  }
  for (const std::string& v : opts.filters.get("exited")) {
    ctx.exitCodes.push_back(std::stoi(v));
  }
  // dockerd: a status filter looks at every container; so does a limit.
  bool showAll = opts.all || opts.filters.contains("status") || opts.limit > 0;
  json out = json::array();
  int64_t t = now();
  for (const ContainerRecord& rec : all) {
    if (!showAll && !rec.state.running) {
      continue;
    }
    if (!matchesListFilters(rec, opts.filters, ctx)) {
      continue;
    }
    out.push_back(listEntryJson(rec, t, opts.size ? sizesOf(rec) : std::nullopt));
    if (opts.limit > 0 && static_cast<int>(out.size()) >= opts.limit) {
      break;
    }
  }
  return out;
}

std::vector<image::ImageUser> ContainerService::containersUsing(std::string_view imageId) const {
  std::vector<image::ImageUser> out;
  store::Collection<ContainerRecord> coll(d_.store, kContainersPrefix, "container");
  auto all = coll.list();
  if (!all.ok()) {
    return out;
  }
  for (const ContainerRecord& rec : *all) {
    if (rec.imageId == imageId) {
      out.push_back(image::ImageUser{rec.id, rec.state.running});
    }
  }
  return out;
}

}  // namespace berth::container
