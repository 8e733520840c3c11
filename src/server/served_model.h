// Builds what the HTTP layer serves around a loaded engine (chat template renderer, text codec, the names a
// request's `model` may use). Shared by `ingot serve` and the gateway's in-process local models.
#pragma once

#include <memory>
#include <string>

#include "engine/engine.h"
#include "server/http_server.h"
#include "util/status.h"

namespace ingot::server {

struct ServedModelSettings {
  std::string model_path;          // the GGUF file
  std::string model_arg;           // the store or catalog name it was given as, if any
  std::string alias;               // the id reported and accepted; empty: the file name
  std::string chat_template_file;  // overrides the model's template; empty: the model's (ChatML when none)
};

Result<std::unique_ptr<ServedModel>> MakeServedModel(const ServedModelSettings& settings,
                                                     std::unique_ptr<engine::Engine> engine);

}  // namespace ingot::server
