// Server-sent events as OpenAI-compatible servers stream them: an incremental text/event-stream parser (bytes may
// split anywhere, even inside a CRLF) and the reading of one chat/completions chunk. Pure; no sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace ingot::bench {

// Follows the WHATWG rules that matter here: lines end in LF, CRLF or CR; "data:" fields (one optional space
// after the colon dropped) join with '\n'; a blank line ends an event; ":" comments and other fields
// (event, id, retry) are ignored; an event without data is not delivered. Not thread-safe: one per response.
class SseParser {
 public:
  // An event or line longer than this is an error (a misbehaving server must not exhaust memory).
  explicit SseParser(size_t max_event_bytes = size_t{16} << 20) : max_event_bytes_(max_event_bytes) {}

  // Appends the data of every event completed by `bytes` to `events`.
  Status Feed(std::string_view bytes, std::vector<std::string>* events);
  // End of the body: delivers an event whose closing blank line never came (some servers omit it).
  void Finish(std::vector<std::string>* events);

 private:
  void EndLine(std::vector<std::string>* events);

  size_t max_event_bytes_;
  std::string line_;
  std::string data_;
  bool has_data_ = false;
  bool after_cr_ = false;  // the previous byte was CR: a following LF belongs to the same line end
};

// What one "data:" payload of a streamed chat or text completion tells the load generator.
struct StreamChunk {
  bool done = false;          // the "[DONE]" sentinel
  int64_t content_pieces = 0; // choices carrying a non-empty delta.content, delta.reasoning_content or text
  std::optional<int64_t> completion_tokens;  // usage.completion_tokens, when this chunk carries usage
  std::optional<int64_t> prompt_tokens;      // usage.prompt_tokens
  std::string error;          // the message of an in-stream {"error": ...} payload
};

// Reads one payload. Errors (kInvalidArgument) for text that is neither "[DONE]" nor a JSON object.
Result<StreamChunk> ParseStreamChunk(std::string_view data);

}  // namespace ingot::bench
