// StreamDecoder: emits only complete UTF-8 characters from a stream of token pieces.
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"

namespace ingot::tok {

std::string StreamDecoder::Push(int32_t id) {
  pending_ += tokenizer_.TokenToPiece(id);
  const size_t keep = IncompleteUtf8Tail(pending_);
  std::string out = SanitizeUtf8(std::string_view(pending_).substr(0, pending_.size() - keep));
  pending_.erase(0, pending_.size() - keep);
  return out;
}

std::string StreamDecoder::Flush() {
  std::string out = SanitizeUtf8(pending_);
  pending_.clear();
  return out;
}

}  // namespace ingot::tok
