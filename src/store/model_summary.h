// The summary `ingot list` shows for a model (architecture, dominant quantization, parameters, context), read
// from GGUF headers. For split models every part is opened (the parameters are spread over the parts).
#pragma once

#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "store/store.h"
#include "util/status.h"

namespace ingot::store {

// Pure: from already opened parts (the first part first).
ModelSummary SummarizeGguf(const std::vector<const gguf::File*>& parts);
// Opens the files and summarises them; errors name the file that is not a valid GGUF.
Result<ModelSummary> SummarizeFiles(const std::vector<std::string>& paths);

}  // namespace ingot::store
