// Prompt files: line and JSON Lines parsing, and the built-in default set.
#include "bench/prompts.h"

#include <cassert>
#include <fstream>
#include <sstream>

#include "bench/default_prompts.h"

namespace ingot::bench {

namespace {

using nlohmann::json;

json UserMessages(std::string text, const std::string& system) {
  json messages = json::array();
  if (!system.empty()) messages.push_back({{"role", "system"}, {"content", system}});
  messages.push_back({{"role", "user"}, {"content", std::move(text)}});
  return messages;
}

Status LineError(size_t line, const std::string& what) {
  return InvalidArgument("prompt line " + std::to_string(line) + ": " + what);
}

bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

Result<Prompt> ParseJsonLine(std::string_view line, size_t number) {
  const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return LineError(number, "not valid JSON");
  if (j.is_string()) return Prompt{UserMessages(j.get<std::string>(), "")};
  if (!j.is_object()) return LineError(number, "expected a JSON string or object");
  if (auto it = j.find("messages"); it != j.end()) {
    if (!it->is_array() || it->empty()) return LineError(number, "\"messages\" must be a non-empty array");
    for (const json& m : *it) {
      if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content")) {
        return LineError(number, "every message needs a string \"role\" and a \"content\"");
      }
    }
    return Prompt{*it};
  }
  std::string system;
  if (auto it = j.find("system"); it != j.end()) {
    if (!it->is_string()) return LineError(number, "\"system\" must be a string");
    system = it->get<std::string>();
  }
  for (const char* key : {"prompt", "text"}) {
    if (auto it = j.find(key); it != j.end()) {
      if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
        return LineError(number, std::string("\"") + key + "\" must be a non-empty string");
      }
      return Prompt{UserMessages(it->get<std::string>(), system)};
    }
  }
  if (auto it = j.find("conversations"); it != j.end() && it->is_array()) {
    for (const json& turn : *it) {
      if (!turn.is_object() || !turn.contains("value") || !turn["value"].is_string()) continue;
      const std::string from = turn.value("from", std::string());
      if (from == "human" || from == "user") return Prompt{UserMessages(turn["value"].get<std::string>(), system)};
    }
    return LineError(number, "\"conversations\" has no human turn");
  }
  return LineError(number, "expected \"messages\", \"prompt\", \"text\" or \"conversations\"");
}

}  // namespace

Result<std::vector<Prompt>> ParsePrompts(std::string_view text, PromptFormat format) {
  std::vector<Prompt> prompts;
  size_t number = 0;
  size_t pos = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;  // a UTF-8 byte order mark is not part of a prompt
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (IsBlank(line)) continue;
    if (format == PromptFormat::kAuto) {
      const size_t first = line.find_first_not_of(" \t");
      format = line[first] == '{' ? PromptFormat::kJsonl : PromptFormat::kLines;
    }
    if (format == PromptFormat::kLines) {
      prompts.push_back({UserMessages(std::string(line), "")});
      continue;
    }
    INGOT_ASSIGN_OR_RETURN(Prompt p, ParseJsonLine(line, number));
    prompts.push_back(std::move(p));
  }
  if (prompts.empty()) return InvalidArgument("no prompts found");
  return prompts;
}

Result<std::vector<Prompt>> LoadPrompts(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open prompt file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return IoError("cannot read prompt file " + path);
  const bool jsonl = path.size() >= 6 && path.compare(path.size() - 6, 6, ".jsonl") == 0;
  Result<std::vector<Prompt>> prompts = ParsePrompts(text.str(), jsonl ? PromptFormat::kJsonl : PromptFormat::kAuto);
  if (!prompts.ok()) return InvalidArgument(path + ": " + prompts.status().message());
  return prompts;
}

std::string_view DefaultPromptText() {
  return {reinterpret_cast<const char*>(kDefaultPromptsBytes), kDefaultPromptsSize};
}

std::vector<Prompt> DefaultPrompts() {
  Result<std::vector<Prompt>> prompts = ParsePrompts(DefaultPromptText(), PromptFormat::kLines);
  assert(prompts.ok() && "the built-in prompt set is not empty");
  return std::move(prompts).value();
}

}  // namespace ingot::bench
