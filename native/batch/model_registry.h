// The process-wide registry of batched models, keyed by an id the creator picks. Every Node
// environment in the process (the main thread and each worker_thread that loads the addon)
// sees the same registry, so a request from any thread reaches the SAME queue and instances.
// The registry owns one reference; handles in each environment own others. Remove drops the
// registry's reference (unload); the batcher lives on until the last handle is gone.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "batch/batcher.h"
#include "common/status.h"

namespace larch::batch {

// Fails with INVALID_ARGUMENT if the id is taken.
Status RegisterModel(const std::string& id, std::shared_ptr<Batcher> batcher);
// NOT_FOUND if no model has that id (never registered, or unloaded).
StatusOr<std::shared_ptr<Batcher>> FindModel(const std::string& id);
// Removes and returns the model (nullptr if absent).
std::shared_ptr<Batcher> UnregisterModel(const std::string& id);
std::vector<std::string> RegisteredModelIds();

}  // namespace larch::batch
