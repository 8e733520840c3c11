// libFuzzer target for the GGUF reader: any bytes must give a File or an error, never a crash or an
// out-of-bounds read. Accepted files are walked like a loader would (getters, value text, tensor bytes).
#include <cstddef>
#include <cstdint>

#include "gguf/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = ingot::gguf::File::Parse(data, size, "fuzz.gguf");
  if (!parsed.ok()) return 0;
  const ingot::gguf::File& file = **parsed;
  for (const auto& [key, value] : file.metadata()) {
    (void)value.ToString(4);
    (void)file.GetString(key);
    (void)file.GetInt(key);
    (void)file.GetFloat(key);
    (void)file.GetBool(key);
    (void)file.GetStringArray(key);
    (void)file.GetIntArray(key);
    (void)file.GetFloatArray(key);
    (void)file.GetBoolArray(key);
  }
  volatile uint8_t sink = 0;
  for (const ingot::gguf::TensorInfo& t : file.tensors()) {
    if (file.FindTensor(t.name) == nullptr) __builtin_trap();
    // The first and last byte of every tensor must be inside the input (the sanitizer checks the reads).
    sink = sink + t.data[0] + t.data[t.n_bytes - 1];
  }
  return 0;
}
