// Unit tests of the Jinja engine. Most cases are data tables in testdata/jinja/*.txt whose expected outputs
// were produced by Python Jinja2 (see regen.py there); the rest cover limits, line numbers and the API.
#include "chat/jinja/template.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace ingot::chat::jinja {
namespace {

const std::string kDataDir = std::string(INGOT_CHAT_TESTDATA) + "/jinja";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> SplitOn(const std::string& text, const std::string& sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t hit = text.find(sep); hit != std::string::npos; hit = text.find(sep, start)) {
    parts.push_back(text.substr(start, hit - start));
    start = hit + sep.size();
  }
  parts.push_back(text.substr(start));
  return parts;
}

// Strips the "template line N: " prefix that our errors carry and Jinja2's do not.
std::string WithoutLine(const std::string& message) {
  const std::string prefix = "template line ";
  if (message.rfind(prefix, 0) != 0) return message;
  size_t colon = message.find(": ");
  return colon == std::string::npos ? message : message.substr(colon + 2);
}

std::string Render(const std::string& source, const nlohmann::ordered_json& context, bool* failed = nullptr) {
  RenderConfig config;
  config.clock = [] {
    std::tm tm{};
    tm.tm_year = 124;
    tm.tm_mon = 6;
    tm.tm_mday = 26;
    tm.tm_wday = 5;
    tm.tm_yday = 207;
    return tm;
  };
  Result<Template> t = Template::Parse(source);
  Result<std::string> out = t.ok() ? t->Render(context, config) : Result<std::string>(t.status());
  if (failed != nullptr) *failed = !out.ok();
  return out.ok() ? *out : "ERROR: " + WithoutLine(out.status().message());
}

// Every case of every table: rendering must match Jinja2 byte for byte. For errors the message must match
// too, except in cases marked "## message differs" (mostly syntax errors, which we word differently).
TEST(Jinja, DataTablesMatchJinja2) {
  ASSERT_TRUE(std::filesystem::is_directory(kDataDir)) << kDataDir;
  nlohmann::ordered_json context = nlohmann::ordered_json::parse(ReadFile(kDataDir + "/context.json"));
  int files = 0;
  int cases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kDataDir)) {
    if (entry.path().extension() != ".txt") continue;
    ++files;
    std::string text = ReadFile(entry.path().string());
    if (!text.empty() && text.back() == '\n') text.pop_back();
    for (const std::string& c : SplitOn(text, "\n====\n")) {
      std::vector<std::string> parts = SplitOn(c, "\n----\n");
      ASSERT_EQ(parts.size(), 2u) << entry.path() << ": malformed case:\n" << c;
      std::string source;
      bool any_error_message = false;
      for (const std::string& line : SplitOn(parts[0], "\n")) {
        if (line.rfind("##", 0) == 0) {
          any_error_message = any_error_message || line.find("message differs") != std::string::npos;
          continue;
        }
        source += line + "\n";
      }
      source.pop_back();
      ++cases;
      bool failed = false;
      std::string got = Render(source, context, &failed);
      const std::string& want = parts[1];
      if (any_error_message && want.rfind("ERROR: ", 0) == 0) {
        EXPECT_TRUE(failed) << entry.path().filename() << ":\n" << source << "\nrendered: " << got;
      } else {
        EXPECT_EQ(got, want) << entry.path().filename() << ":\n" << source;
      }
    }
  }
  EXPECT_GE(files, 6);
  EXPECT_GE(cases, 150);
}

TEST(Jinja, ErrorsCarryLineNumbers) {
  Result<Template> bad = Template::Parse("line1\nline2\n{% if x %}\n{{ 1 + }}\n{% endif %}");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("template line 4:"), std::string::npos) << bad.status().message();

  Result<Template> t = Template::Parse("a\n{% for m in messages %}\n{{ m.content + 1 }}\n{% endfor %}");
  ASSERT_TRUE(t.ok());
  Result<std::string> out = t->Render(nlohmann::ordered_json::parse(R"({"messages":[{"content":"x"}]})"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "template line 3: can only concatenate str (not \"int\") to str");
}

TEST(Jinja, RaiseExceptionMessageIsExact) {
  Result<Template> t = Template::Parse("\n\n{{ raise_exception('Only user and assistant roles!') }}");
  ASSERT_TRUE(t.ok());
  Result<std::string> out = t->Render({});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(out.status().message(), "Only user and assistant roles!");
}

// Hostile templates end with an error instead of exhausting memory, stack or time.
TEST(Jinja, LimitsStopHostileTemplates) {
  struct Case {
    const char* source;
    const char* message;
  };
  const Case cases[] = {
      {"{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "macro recursion too deep"},
      {"{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
       "loop iteration limit exceeded"},
      {"{% set ns = namespace(s='x') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
       "output size limit exceeded"},
      {"{{ 'x' * 100000000 }}", "output size limit exceeded"},
      {"{% for i in range(100000) %}{{ 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' * 10 }}{% endfor %}",
       "output size limit exceeded"},
      {"{% set ns = namespace(l=[]) %}{% for i in range(1000) %}{% set ns.l = [ns.l] %}{% endfor %}",
       "value nesting too deep"},
      {"{{ range(1000000) }}", "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000)."},
      {"{% set ns = namespace() %}{% set ns.n = ns %}", "cannot store a namespace or function in a namespace"},
  };
  RenderConfig config;
  config.limits.max_output_bytes = 1 << 20;
  config.limits.max_loop_iterations = 200'000;
  for (const Case& c : cases) {
    Result<Template> t = Template::Parse(c.source);
    ASSERT_TRUE(t.ok()) << c.source;
    Result<std::string> out = t->Render({}, config);
    ASSERT_FALSE(out.ok()) << c.source;
    EXPECT_EQ(out.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(WithoutLine(out.status().message()), c.message) << c.source;
  }
}

TEST(Jinja, DeeplyNestedSourceIsAParseError) {
  for (const std::string& s : {std::string(5000, '(') + "1" + std::string(5000, ')'),
                               std::string(100000, '[') + std::string(100000, ']'),
                               "{{ 1" + [] {
                                 std::string chain;
                                 for (int i = 0; i < 20000; ++i) chain += " + 1";
                                 return chain;
                               }() + " }}",
                               "{{ x" + [] {
                                 std::string chain;
                                 for (int i = 0; i < 20000; ++i) chain += "|trim";
                                 return chain;
                               }() + " }}"}) {
    Result<Template> t = Template::Parse("{{ " + s + " }}");
    EXPECT_FALSE(t.ok());
  }
  std::string nested_ifs;
  for (int i = 0; i < 2000; ++i) nested_ifs += "{% if true %}";
  EXPECT_FALSE(Template::Parse(nested_ifs).ok());
}

// Inputs the fuzzer once crashed on: each must now parse or render to an error, never crash.
TEST(Jinja, FuzzRegressions) {
  for (const char* source : {"{{ '%04raw|%4s|%x' [1, :](6.141592, 'x', 255) }}", "{{ x[::9223372036854775807] }}",
                             "{{ 0xFFFFFFFFFFFFFFFFFFFF }}", "{{ '%d' % 1e300 }}", "{{ [1] * 9223372036854775807 }}",
                             "{{ 'ab'|replace('', '.', '.') }}", "{{ 2.5|round(1.5) }}", "{{ 'a'|indent(2.5) }}"}) {
    Result<Template> t = Template::Parse(source);
    if (t.ok()) (void)t->Render(nlohmann::ordered_json::parse(R"({"x": [1, 2, 3]})"));
  }
}

TEST(Jinja, DeeplyNestedJsonContextFails) {
  std::string json(2000, '[');
  json += std::string(2000, ']');
  nlohmann::ordered_json context;
  context["x"] = nlohmann::ordered_json::parse(json);
  Result<Template> t = Template::Parse("{{ x }}");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->Render(context).ok());
}

TEST(Jinja, TemplateIsCopyableAndRendersConcurrently) {
  Result<Template> parsed = Template::Parse("{% for m in messages %}{{ m|upper }}{% endfor %}");
  ASSERT_TRUE(parsed.ok());
  Template copy = *parsed;
  nlohmann::ordered_json context;
  context["messages"] = {"a", "b", "c"};
  std::vector<std::thread> threads;
  std::vector<std::string> outputs(4);
  for (size_t i = 0; i < outputs.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 200; ++k) outputs[i] = *copy.Render(context);
    });
  }
  for (std::thread& th : threads) th.join();
  for (const std::string& out : outputs) EXPECT_EQ(out, "ABC");
}

}  // namespace
}  // namespace ingot::chat::jinja
