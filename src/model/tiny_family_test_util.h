// For model tests: the tiny random-weight model of an architecture, written to the test directory.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "model/random_model.h"

namespace ingot::model {

// Writes the "tiny" shape of `arch` in Q8_0 to INGOT_TEST_TMP/<prefix>-<arch>.gguf and returns the path; a
// failure is a test failure (and an empty path).
inline std::string WriteTinyFamily(const std::string& arch, const std::string& prefix) {
  const auto shape = NamedFamilyShape(arch, "tiny");
  EXPECT_TRUE(shape.has_value()) << arch;
  if (!shape) return "";
  RandomFamilyOptions o;
  o.shape = *shape;
  o.type = DType::kQ8_0;
  std::filesystem::create_directories(INGOT_TEST_TMP);
  const std::string path = std::string(INGOT_TEST_TMP) + "/" + prefix + "-" + arch + ".gguf";
  const Status st = WriteRandomFamily(o, path);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return st.ok() ? path : "";
}

}  // namespace ingot::model
