// Jinja parser, statement half: template structure ({% if %}, {% for %}, {% set %}, {% macro %}, ...) and the
// Parse() entry point. Expressions are in parse_expr.cpp.
#include "chat/jinja/parser.h"

#include <algorithm>

#include "chat/jinja/parser_impl.h"

namespace ingot::chat::jinja {

Body Parser::ParseBody(const std::vector<std::string>& ends, std::string* end_found) {
  DepthGuard guard(this);
  Body body;
  while (true) {
    const Token& t = Cur();
    if (t.type == TokenType::kEof) {
      if (!ends.empty()) ParseFail("Unexpected end of template, expected '" + ends.back() + "'.");
      return body;
    }
    if (t.type == TokenType::kData) {
      auto s = std::make_unique<Stmt>();
      s->kind = StmtKind::kText;
      s->line = t.line;
      s->text = t.text;
      body.push_back(std::move(s));
      Next();
    } else if (t.type == TokenType::kVarBegin) {
      auto s = std::make_unique<Stmt>();
      s->kind = StmtKind::kOutput;
      s->line = t.line;
      Next();
      s->expr = ParseTuple(true, false);
      if (Cur().type != TokenType::kVarEnd) ParseFail("unexpected '" + Describe(Cur()) + "', expected end of print statement");
      Next();
      body.push_back(std::move(s));
    } else if (t.type == TokenType::kBlockBegin) {
      Next();
      if (Cur().type != TokenType::kName) ParseFail("tag name expected");
      if (std::find(ends.begin(), ends.end(), Cur().text) != ends.end()) {
        *end_found = Cur().text;
        Next();
        return body;
      }
      body.push_back(ParseStatement());
    } else {
      ParseFail("unexpected '" + Describe(t) + "'");
    }
  }
}

StmtPtr Parser::ParseStatement() {
  auto s = std::make_unique<Stmt>();
  s->line = Cur().line;
  std::string tag = Cur().text;
  Next();
  std::string end;
  if (tag == "if") {
    s->kind = StmtKind::kIf;
    while (true) {
      Branch branch;
      branch.cond = ParseTuple(false, false);
      ExpectBlockEnd();
      branch.body = ParseBody({"elif", "else", "endif"}, &end);
      s->branches.push_back(std::move(branch));
      if (end != "elif") break;
    }
    if (end == "else") {
      ExpectBlockEnd();
      s->else_body = ParseBody({"endif"}, &end);
    }
    ExpectBlockEnd();
  } else if (tag == "for") {
    s->kind = StmtKind::kFor;
    ParseTargets(s.get(), false);
    ExpectName("in");
    s->expr = ParseTuple(false, false, "recursive");
    if (SkipName("if")) s->cond = ParseExpression();
    if (IsName("recursive")) ParseFail("recursive loops are not supported");
    ExpectBlockEnd();
    ++loop_depth_;
    s->body = ParseBody({"endfor", "else"}, &end);
    --loop_depth_;
    if (end == "else") {
      ExpectBlockEnd();
      s->else_body = ParseBody({"endfor"}, &end);
    }
    ExpectBlockEnd();
  } else if (tag == "set") {
    ParseTargets(s.get(), true);
    if (SkipOp("=")) {
      s->kind = StmtKind::kSet;
      s->expr = ParseTuple(true, false);
      ExpectBlockEnd();
    } else {
      s->kind = StmtKind::kSetBlock;
      if (s->targets.size() != 1 || !s->attr.empty()) ParseFail("block set needs a single name");
      s->name = s->targets[0];
      if (IsOp("|")) s->expr = ParseFilterChain(s->line);
      ExpectBlockEnd();
      s->body = ParseBody({"endset"}, &end);
      ExpectBlockEnd();
    }
  } else if (tag == "macro") {
    s->kind = StmtKind::kMacro;
    s->name = ExpectIdentifier();
    ParseParams(s.get());
    ExpectBlockEnd();
    int saved = loop_depth_;
    loop_depth_ = 0;
    s->body = ParseBody({"endmacro"}, &end);
    loop_depth_ = saved;
    ExpectBlockEnd();
  } else if (tag == "call") {
    s->kind = StmtKind::kCallBlock;
    if (IsOp("(")) ParseParams(s.get());
    s->expr = ParseExpression();
    if (s->expr->kind != ExprKind::kCall) ParseFail("expected a call expression");
    ExpectBlockEnd();
    s->body = ParseBody({"endcall"}, &end);
    ExpectBlockEnd();
  } else if (tag == "filter") {
    s->kind = StmtKind::kFilterBlock;
    s->expr = ParseFilterChain(s->line, /*leading_pipe=*/false);
    ExpectBlockEnd();
    s->body = ParseBody({"endfilter"}, &end);
    ExpectBlockEnd();
  } else if (tag == "with") {
    s->kind = StmtKind::kWith;
    while (Cur().type != TokenType::kBlockEnd) {
      if (!s->targets.empty()) ExpectOp(",");
      s->targets.push_back(ExpectIdentifier());
      ExpectOp("=");
      s->values.push_back(ParseExpression());
    }
    ExpectBlockEnd();
    s->body = ParseBody({"endwith"}, &end);
    ExpectBlockEnd();
  } else if (tag == "generation") {
    s->kind = StmtKind::kScope;
    ExpectBlockEnd();
    s->body = ParseBody({"endgeneration"}, &end);
    ExpectBlockEnd();
  } else if (tag == "break" || tag == "continue") {
    if (loop_depth_ == 0) ParseFail("'" + tag + "' outside of a loop");
    s->kind = tag == "break" ? StmtKind::kBreak : StmtKind::kContinue;
    ExpectBlockEnd();
  } else {
    ParseFail("Encountered unknown tag '" + tag + "'.");
  }
  return s;
}

// for/set targets: `x`, `a, b`, `(a, b)`, or (set only) `ns.attr`.
void Parser::ParseTargets(Stmt* s, bool allow_attr) {
  bool paren = SkipOp("(");
  s->targets.push_back(ExpectIdentifier());
  if (allow_attr && !paren && IsOp(".")) {
    Next();
    s->attr = ExpectIdentifier();
    return;
  }
  while (SkipOp(",")) {
    s->unpack = true;
    if (paren && IsOp(")")) break;
    if (!paren && (IsName("in") || IsOp("="))) break;
    s->targets.push_back(ExpectIdentifier());
  }
  if (paren) {
    ExpectOp(")");
    s->unpack = true;
  }
}

void Parser::ParseParams(Stmt* s) {
  ExpectOp("(");
  while (!IsOp(")")) {
    if (!s->params.empty()) ExpectOp(",");
    if (IsOp(")")) break;
    Param p;
    p.name = ExpectIdentifier();
    if (SkipOp("=")) {
      p.default_value = ParseExpression();
    } else if (!s->params.empty() && s->params.back().default_value) {
      ParseFail("non-default argument follows default argument");
    }
    s->params.push_back(std::move(p));
  }
  ExpectOp(")");
}

ExprPtr Parser::ParseFilterChain(int line, bool leading_pipe) {
  ExprPtr node = NewExpr(ExprKind::kPlaceholder, line);
  if (!leading_pipe) node = ParseFilter(std::move(node));
  ChainGuard chain(this);
  while (IsOp("|")) {
    chain.Step();
    Next();
    node = ParseFilter(std::move(node));
  }
  return node;
}

Result<std::shared_ptr<const Body>> Parse(const std::string& source) {
  Result<std::vector<Token>> tokens = Tokenize(source);
  if (!tokens.ok()) return tokens.status();
  try {
    Parser parser(std::move(tokens).value());
    return std::make_shared<const Body>(parser.ParseTemplate());
  } catch (const Error& e) {
    return InvalidArgument("template line " + std::to_string(e.line) + ": " + e.message);
  }
}

}  // namespace ingot::chat::jinja
