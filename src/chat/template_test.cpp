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

Result<std::string> RenderSource(const std::string& source, const RenderOptions& options) {
  Result<ChatTemplate> t = ChatTemplate::Parse(source);
  if (!t.ok()) return t.status();
  return t->Render(options);
}

TEST(ChatTemplate, ContextHasTransformersVariables) {
  RenderOptions o;
  o.messages = nlohmann::ordered_json::parse(R"([{"role":"user","content":"x"}])");
  o.bos_token = "<s>";
  o.eos_token = "</s>";
  o.add_generation_prompt = false;
  o.extra_context = nlohmann::ordered_json::parse(R"({"enable_thinking":false,"custom":"c"})");
  Result<std::string> out = RenderSource(
      "{{ bos_token }}{{ messages|length }}{{ add_generation_prompt }}{{ enable_thinking }}{{ custom }}"
      "{{ tools is defined }}{{ eos_token }}",
      o);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "<s>1FalseFalsecFalse</s>");
  o.tools = nlohmann::ordered_json::parse(R"([{"type":"function","function":{"name":"f"}}])");
  out = RenderSource("{{ tools|tojson }}", o);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, R"([{"type": "function", "function": {"name": "f"}}])");
}

TEST(ChatTemplate, AcceptsUnorderedJsonInputs) {
  nlohmann::json messages = nlohmann::json::parse(R"([{"role":"user","content":"hi"}])");
  RenderOptions o;
  o.messages = messages;
  o.extra_context = nlohmann::json::object();
  Result<std::string> out = RenderSource("{{ messages[0].role }}:{{ messages[0].content }}", o);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "user:hi");
}

TEST(ChatTemplate, DateOverridePinsStrftimeNow) {
  RenderOptions o;
  o.date_override = "2024-07-26";
  Result<std::string> out = RenderSource("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%A %Y-%m-%d') }}", o);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "26 Jul 2024|Friday 2024-07-26");
  o.date_override = "July 26";
  EXPECT_FALSE(RenderSource("{{ strftime_now('%Y') }}", o).ok());
  o.date_override.reset();
  out = RenderSource("{{ strftime_now('%Y')|int > 2000 }}", o);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "True");
}

TEST(ChatTemplate, ErrorsAreInvalidArgument) {
  Result<ChatTemplate> bad = ChatTemplate::Parse("ok\n{% if %}");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.status().message().rfind("template line 2: ", 0), 0u) << bad.status().message();

  Result<std::string> raised = RenderSource("{{ raise_exception('System role not supported') }}", RenderOptions{});
  ASSERT_FALSE(raised.ok());
  EXPECT_EQ(raised.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(raised.status().message(), "System role not supported");

  RenderOptions o;
  o.extra_context = "not an object";
  EXPECT_FALSE(RenderSource("x", o).ok());
}

}  // namespace
}  // namespace ingot::chat
