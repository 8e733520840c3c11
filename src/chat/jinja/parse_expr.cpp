// Jinja parser, expression half: jinja2's grammar and operator precedence,
// condexpr < or < and < not < compare < + - < ~ < * / // % < ** < unary < postfix/filters/tests.
#include "chat/jinja/parser_impl.h"

namespace ingot::chat::jinja {

ExprPtr Parser::ParseTuple(bool with_condexpr, bool explicit_parens, const char* extra_end) {
  int line = Cur().line;
  std::vector<ExprPtr> items;
  bool is_tuple = false;
  while (true) {
    if (!items.empty()) ExpectOp(",");
    const Token& t = Cur();
    if (t.type == TokenType::kVarEnd || t.type == TokenType::kBlockEnd || IsOp(")") ||
        (extra_end != nullptr && IsName(extra_end))) {
      break;
    }
    items.push_back(with_condexpr ? ParseExpression() : ParseOr());
    if (IsOp(",")) {
      is_tuple = true;
    } else {
      break;
    }
  }
  if (!is_tuple) {
    if (!items.empty()) return std::move(items[0]);
    if (!explicit_parens) ParseFail("unexpected '" + Describe(Cur()) + "', expected an expression");
  }
  auto e = NewExpr(ExprKind::kTuple, line);
  e->args = std::move(items);
  return e;
}

ExprPtr Parser::ParseExpression() {
  DepthGuard guard(this);
  int line = Cur().line;
  ExprPtr expr = ParseOr();
  ChainGuard chain(this);
  while (SkipName("if")) {
    chain.Step();
    auto cond = NewExpr(ExprKind::kCondition, line);
    cond->args.push_back(ParseOr());
    cond->args.push_back(std::move(expr));
    cond->args.push_back(SkipName("else") ? ParseExpression() : nullptr);
    expr = std::move(cond);
  }
  return expr;
}

ExprPtr Parser::Binary(const std::string& op, ExprPtr lhs, ExprPtr rhs, int line) {
  auto e = NewExpr(ExprKind::kBinary, line);
  e->name = op;
  e->args.push_back(std::move(lhs));
  e->args.push_back(std::move(rhs));
  return e;
}

ExprPtr Parser::ParseOr() {
  ExprPtr lhs = ParseAnd();
  ChainGuard chain(this);
  while (IsName("or")) {
    chain.Step();
    int line = Cur().line;
    Next();
    lhs = Binary("or", std::move(lhs), ParseAnd(), line);
  }
  return lhs;
}

ExprPtr Parser::ParseAnd() {
  ExprPtr lhs = ParseNot();
  ChainGuard chain(this);
  while (IsName("and")) {
    chain.Step();
    int line = Cur().line;
    Next();
    lhs = Binary("and", std::move(lhs), ParseNot(), line);
  }
  return lhs;
}

ExprPtr Parser::ParseNot() {
  if (IsName("not")) {
    DepthGuard guard(this);
    auto e = NewExpr(ExprKind::kNot, Cur().line);
    Next();
    e->args.push_back(ParseNot());
    return e;
  }
  return ParseCompare();
}

ExprPtr Parser::ParseCompare() {
  int line = Cur().line;
  ExprPtr first = ParseMath1();
  ExprPtr cmp;
  ChainGuard chain(this);
  while (true) {
    chain.Step();
    std::string op;
    if (Cur().type == TokenType::kOp &&
        (Cur().text == "==" || Cur().text == "!=" || Cur().text == "<" || Cur().text == "<=" ||
         Cur().text == ">" || Cur().text == ">=")) {
      op = Cur().text;
      Next();
    } else if (IsName("in")) {
      op = "in";
      Next();
    } else if (IsName("not") && Peek().type == TokenType::kName && Peek().text == "in") {
      op = "notin";
      Next();
      Next();
    } else {
      break;
    }
    if (!cmp) {
      cmp = NewExpr(ExprKind::kCompare, line);
      cmp->args.push_back(std::move(first));
    }
    cmp->ops.push_back(op);
    cmp->args.push_back(ParseMath1());
  }
  return cmp ? std::move(cmp) : std::move(first);
}

ExprPtr Parser::ParseMath1() {
  ExprPtr lhs = ParseConcat();
  ChainGuard chain(this);
  while (IsOp("+") || IsOp("-")) {
    chain.Step();
    std::string op = Cur().text;
    int line = Cur().line;
    Next();
    lhs = Binary(op, std::move(lhs), ParseConcat(), line);
  }
  return lhs;
}

ExprPtr Parser::ParseConcat() {
  ExprPtr lhs = ParseMath2();
  ChainGuard chain(this);
  while (IsOp("~")) {
    chain.Step();
    int line = Cur().line;
    Next();
    lhs = Binary("~", std::move(lhs), ParseMath2(), line);
  }
  return lhs;
}

ExprPtr Parser::ParseMath2() {
  ExprPtr lhs = ParsePow();
  ChainGuard chain(this);
  while (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%")) {
    chain.Step();
    std::string op = Cur().text;
    int line = Cur().line;
    Next();
    lhs = Binary(op, std::move(lhs), ParsePow(), line);
  }
  return lhs;
}

ExprPtr Parser::ParsePow() {
  ExprPtr lhs = ParseUnary(true);
  ChainGuard chain(this);
  while (IsOp("**")) {
    chain.Step();
    int line = Cur().line;
    Next();
    lhs = Binary("**", std::move(lhs), ParseUnary(true), line);
  }
  return lhs;
}

ExprPtr Parser::ParseUnary(bool with_filter) {
  DepthGuard guard(this);
  ExprPtr node;
  if (IsOp("-") || IsOp("+")) {
    node = NewExpr(IsOp("-") ? ExprKind::kNeg : ExprKind::kPos, Cur().line);
    Next();
    node->args.push_back(ParseUnary(false));
  } else {
    node = ParsePrimary();
  }
  node = ParsePostfix(std::move(node));
  if (with_filter) node = ParseFilterExpr(std::move(node));
  return node;
}

ExprPtr Parser::ParsePrimary() {
  DepthGuard guard(this);
  const Token& t = Cur();
  int line = t.line;
  if (t.type == TokenType::kName) {
    auto e = NewExpr(ExprKind::kLiteral, line);
    if (t.text == "true" || t.text == "True") {
      e->value = Value(true);
    } else if (t.text == "false" || t.text == "False") {
      e->value = Value(false);
    } else if (t.text == "none" || t.text == "None") {
      e->value = Value(None{});
    } else {
      e->kind = ExprKind::kName;
      e->name = t.text;
    }
    Next();
    return e;
  }
  if (t.type == TokenType::kString) {
    std::string s;
    while (Cur().type == TokenType::kString) {
      s += Cur().text;
      Next();
    }
    auto e = NewExpr(ExprKind::kLiteral, line);
    e->value = Value(std::move(s));
    return e;
  }
  if (t.type == TokenType::kInt || t.type == TokenType::kFloat) {
    auto e = NewExpr(ExprKind::kLiteral, line);
    e->value = t.type == TokenType::kInt ? Value(t.int_value) : Value(t.float_value);
    Next();
    return e;
  }
  if (SkipOp("(")) {
    ExprPtr e = ParseTuple(true, true);
    ExpectOp(")");
    return e;
  }
  if (IsOp("[") || IsOp("{")) {
    bool is_dict = IsOp("{");
    const char* close = is_dict ? "}" : "]";
    auto e = NewExpr(is_dict ? ExprKind::kDict : ExprKind::kList, line);
    Next();
    while (!IsOp(close)) {
      if (!e->args.empty()) ExpectOp(",");
      if (IsOp(close)) break;
      e->args.push_back(ParseExpression());
      if (is_dict) {
        ExpectOp(":");
        e->args.push_back(ParseExpression());
      }
    }
    ExpectOp(close);
    return e;
  }
  ParseFail("unexpected '" + Describe(t) + "'");
}

ExprPtr Parser::ParsePostfix(ExprPtr node) {
  ChainGuard chain(this);
  while (true) {
    chain.Step();
    if (IsOp(".") || IsOp("[")) {
      node = ParseSubscript(std::move(node));
    } else if (IsOp("(")) {
      node = ParseCall(std::move(node));
    } else {
      return node;
    }
  }
}

ExprPtr Parser::ParseFilterExpr(ExprPtr node) {
  ChainGuard chain(this);
  while (true) {
    chain.Step();
    if (IsOp("|")) {
      Next();
      node = ParseFilter(std::move(node));
    } else if (IsName("is")) {
      node = ParseTest(std::move(node));
    } else if (IsOp("(")) {
      node = ParseCall(std::move(node));
    } else {
      return node;
    }
  }
}

ExprPtr Parser::ParseSubscript(ExprPtr node) {
  int line = Cur().line;
  if (SkipOp(".")) {
    if (Cur().type == TokenType::kName) {
      auto e = NewExpr(ExprKind::kGetAttr, line);
      e->name = Cur().text;
      e->args.push_back(std::move(node));
      Next();
      return e;
    }
    if (Cur().type != TokenType::kInt) ParseFail("expected name or number");
    auto e = NewExpr(ExprKind::kGetItem, line);
    e->args.push_back(std::move(node));
    auto index = NewExpr(ExprKind::kLiteral, line);
    index->value = Value(Cur().int_value);
    e->args.push_back(std::move(index));
    Next();
    return e;
  }
  ExpectOp("[");
  std::vector<ExprPtr> subs;
  while (!IsOp("]")) {
    if (!subs.empty()) ExpectOp(",");
    subs.push_back(ParseSubscribed());
  }
  ExpectOp("]");
  if (subs.empty()) ParseFail("expected a subscript");
  if (subs.size() == 1 && subs[0]->kind == ExprKind::kSlice) {
    subs[0]->args[0] = std::move(node);
    return std::move(subs[0]);
  }
  for (const ExprPtr& sub : subs) {
    if (sub->kind == ExprKind::kSlice) ParseFail("extended slicing (a[i, j:k]) is not supported");
  }
  auto e = NewExpr(ExprKind::kGetItem, line);
  e->args.push_back(std::move(node));
  if (subs.size() == 1) {
    e->args.push_back(std::move(subs[0]));
  } else {
    auto tuple = NewExpr(ExprKind::kTuple, line);
    tuple->args = std::move(subs);
    e->args.push_back(std::move(tuple));
  }
  return e;
}

// One subscript: an expression or a slice `[start]:[stop][:[step]]` (args[0] is filled by the caller).
ExprPtr Parser::ParseSubscribed() {
  int line = Cur().line;
  ExprPtr start;
  if (!IsOp(":")) {
    start = ParseExpression();
    if (!IsOp(":")) return start;
  }
  Next();
  auto slice = NewExpr(ExprKind::kSlice, line);
  slice->args.push_back(nullptr);
  slice->args.push_back(std::move(start));
  slice->args.push_back(IsOp("]") || IsOp(",") || IsOp(":") ? nullptr : ParseExpression());
  if (SkipOp(":")) {
    slice->args.push_back(IsOp("]") || IsOp(",") ? nullptr : ParseExpression());
  } else {
    slice->args.push_back(nullptr);
  }
  return slice;
}

void Parser::ParseArgs(Expr* e) {
  ExpectOp("(");
  bool first = true;
  while (!IsOp(")")) {
    if (!first) ExpectOp(",");
    first = false;
    if (IsOp(")")) break;
    if (Cur().type == TokenType::kName && Peek().type == TokenType::kOp && Peek().text == "=") {
      std::string key = Cur().text;
      Next();
      Next();
      e->kwargs.emplace_back(key, ParseExpression());
    } else {
      if (!e->kwargs.empty()) ParseFail("positional argument follows keyword argument");
      e->args.push_back(ParseExpression());
    }
  }
  ExpectOp(")");
}

ExprPtr Parser::ParseCall(ExprPtr node) {
  auto e = NewExpr(ExprKind::kCall, Cur().line);
  e->args.push_back(std::move(node));
  ParseArgs(e.get());
  return e;
}

std::string Parser::ParseDottedName() {
  std::string name = ExpectIdentifier();
  while (IsOp(".") && Peek().type == TokenType::kName) {
    Next();
    name += "." + Cur().text;
    Next();
  }
  return name;
}

ExprPtr Parser::ParseFilter(ExprPtr node) {
  auto e = NewExpr(ExprKind::kFilter, Cur().line);
  e->name = ParseDottedName();
  e->args.push_back(std::move(node));
  if (IsOp("(")) ParseArgs(e.get());
  return e;
}

ExprPtr Parser::ParseTest(ExprPtr node) {
  auto e = NewExpr(ExprKind::kTest, Cur().line);
  Next();
  e->negated = SkipName("not");
  e->name = ParseDottedName();
  e->args.push_back(std::move(node));
  const Token& t = Cur();
  if (IsOp("(")) {
    ParseArgs(e.get());
  } else if ((t.type == TokenType::kName || t.type == TokenType::kString || t.type == TokenType::kInt ||
              t.type == TokenType::kFloat || IsOp("[") || IsOp("{")) &&
             !IsName("else") && !IsName("or") && !IsName("and")) {
    if (IsName("is")) ParseFail("You cannot chain multiple tests with is");
    e->args.push_back(ParsePostfix(ParsePrimary()));
  }
  return e;
}

}  // namespace ingot::chat::jinja
