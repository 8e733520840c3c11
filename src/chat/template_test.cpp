// Renders every template in ../shared/templates/src with every conversation in cases.json and compares the
// bytes with Python Jinja2's renders (or, for error cases, checks that rendering fails with the same message).
#include "chat/template.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace ingot::chat {
namespace {

const std::string kTemplatesDir = std::string(INGOT_SHARED_DIR) + "/templates";

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

RenderOptions OptionsForCase(const nlohmann::ordered_json& conversation, const nlohmann::ordered_json& tmpl) {
  RenderOptions o;
  o.extra_context = nlohmann::ordered_json::object();
  for (const auto& [key, value] : conversation.items()) {
    if (key == "messages") {
      o.messages = value;
    } else if (key == "tools") {
      o.tools = value;
    } else if (key == "add_generation_prompt") {
      o.add_generation_prompt = value.get<bool>();
    } else {
      o.extra_context[key] = value;
    }
  }
  o.bos_token = tmpl.value("bos_token", "");
  o.eos_token = tmpl.value("eos_token", "");
  o.date_override = "2024-07-26";
  return o;
}

TEST(ChatTemplate, MatchesJinja2ReferenceRenders) {
  std::string cases_text;
  ASSERT_TRUE(ReadFile(kTemplatesDir + "/cases.json", &cases_text)) << "missing " << kTemplatesDir;
  nlohmann::ordered_json cases = nlohmann::ordered_json::parse(cases_text);
  ASSERT_TRUE(cases.contains("templates") && cases.contains("cases"));
  int total = 0;
  int passed = 0;
  for (const auto& [name, tmpl] : cases["templates"].items()) {
    std::string source;
    ASSERT_TRUE(ReadFile(kTemplatesDir + "/src/" + name + ".jinja", &source)) << name;
    Result<ChatTemplate> parsed = ChatTemplate::Parse(source);
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.status().ToString();
    for (const auto& [case_name, expect] : tmpl["cases"].items()) {
      SCOPED_TRACE(name + " / " + case_name);
      ++total;
      Result<std::string> out = parsed->Render(OptionsForCase(cases["cases"][case_name], tmpl));
      if (expect.contains("error")) {
        std::string want = expect["error"].get<std::string>();
        EXPECT_FALSE(out.ok()) << "expected error: " << want;
        bool raised = source.find("raise_exception") != std::string::npos &&
                      source.find(want) != std::string::npos;
        if (!out.ok() && raised) {
          EXPECT_EQ(out.status().message(), want);
          if (out.status().message() == want) ++passed;
        } else if (!out.ok()) {
          ++passed;
        }
        continue;
      }
      std::string want;
      ASSERT_TRUE(ReadFile(kTemplatesDir + "/" + expect["output"].get<std::string>(), &want));
      EXPECT_TRUE(out.ok()) << out.status().ToString();
      if (!out.ok()) continue;
      EXPECT_EQ(*out, want);
      if (*out == want) ++passed;
    }
  }
  EXPECT_EQ(total, 96);
  std::printf("chat templates: %d of %d template x case renders match Jinja2\n", passed, total);
}

TEST(ChatTemplate, DefaultChatMl) {
  Result<ChatTemplate> t = ChatTemplate::Parse(DefaultChatMlTemplate());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  RenderOptions o;
  o.messages = nlohmann::ordered_json::parse(
      R"([{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Hi"}]}])");
  Result<std::string> out = t->Render(o);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out,
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

}  // namespace
}  // namespace ingot::chat
