#include "batch/model_registry.h"

#include <algorithm>
#include <map>
#include <mutex>

namespace larch::batch {

namespace {
struct Registry {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<Batcher>> models;
};
// Never destroyed: instance threads may still be running at process exit, and a static
// destructor joining them there would race with the runtime's teardown.
Registry& TheRegistry() {
  static Registry* r = new Registry();
  return *r;
}
}  // namespace

Status RegisterModel(const std::string& id, std::shared_ptr<Batcher> batcher) {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (!r.models.emplace(id, std::move(batcher)).second)
    return Status::Invalid("a batched model with id \"" + id + "\" already exists");
  return Status::Ok();
}

StatusOr<std::shared_ptr<Batcher>> FindModel(const std::string& id) {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.models.find(id);
  if (it == r.models.end()) return Status::NotFound("no batched model with id \"" + id + "\" is loaded");
  return it->second;
}

std::shared_ptr<Batcher> UnregisterModel(const std::string& id) {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.models.find(id);
  if (it == r.models.end()) return nullptr;
  auto b = std::move(it->second);
  r.models.erase(it);
  return b;
}

std::vector<std::string> RegisteredModelIds() {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> ids;
  for (auto& [id, _] : r.models) ids.push_back(id);
  return ids;
}

}  // namespace larch::batch
