// JSON form of the store's index.json and hashes.json (internal to the store library). Parsing validates every
// name and file name, so a hand-edited index cannot point outside the store.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "store/store.h"
#include "util/status.h"

namespace ingot::store {

std::string IndexToJson(const std::vector<StoredModel>& models);
Result<std::vector<StoredModel>> IndexFromJson(const std::string& text, const std::string& origin);

std::string HashesToJson(const std::map<std::string, RecordedHash>& hashes);
Result<std::map<std::string, RecordedHash>> HashesFromJson(const std::string& text, const std::string& origin);

}  // namespace ingot::store
