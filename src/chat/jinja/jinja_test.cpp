// Unit tests of the Jinja engine: feature tables whose expected outputs were produced by Python Jinja2.
#include "chat/jinja/template.h"

#include <gtest/gtest.h>

namespace ingot::chat::jinja {
namespace {

std::string RenderOrError(const std::string& source, const nlohmann::ordered_json& context = {}) {
  Result<Template> t = Template::Parse(source);
  if (!t.ok()) return "PARSE ERROR: " + t.status().message();
  Result<std::string> out = t->Render(context);
  if (!out.ok()) return "ERROR: " + out.status().message();
  return *out;
}

TEST(Jinja, Arithmetic) { EXPECT_EQ(RenderOrError("{{ 1 + 2 * 3 }}|{{ 7 // 2 }}|{{ -7 % 3 }}"), "7|3|2"); }

}  // namespace
}  // namespace ingot::chat::jinja
