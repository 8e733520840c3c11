// Recursive-descent parser for the Jinja subset, following jinja2's grammar and operator precedence:
// condexpr < or < and < not < compare < + - < ~ < * / // % < ** < unary < postfix/filters/tests.
#include "chat/jinja/parser.h"

#include <algorithm>

#include "chat/jinja/lexer.h"

namespace ingot::chat::jinja {
namespace {

constexpr int kMaxNesting = 256;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  Body ParseTemplate() {
    std::string end;
    Body body = ParseBody({}, &end);
    return body;
  }

 private:
  // Nesting guard so that hostile templates cannot overflow the stack.
  struct DepthGuard {
    explicit DepthGuard(Parser* p) : parser(p) {
      if (++parser->depth_ > kMaxNesting) parser->ParseFail("template nesting too deep");
    }
    ~DepthGuard() { --parser->depth_; }
    Parser* parser;
  };

  // Each step of a left-associative chain (a + b + c, x|f|g, a.b.c) deepens the tree by one level.
  struct ChainGuard {
    explicit ChainGuard(Parser* p) : parser(p) {}
    void Step() {
      ++steps;
      if (++parser->depth_ > kMaxNesting) parser->ParseFail("template nesting too deep");
    }
    ~ChainGuard() { parser->depth_ -= steps; }
    Parser* parser;
    int steps = 0;
  };

  [[noreturn]] void ParseFail(const std::string& message) const { throw Error{message, Cur().line, false, false}; }

  const Token& Cur() const { return toks_[std::min(pos_, toks_.size() - 1)]; }
  const Token& Peek(size_t n = 1) const { return toks_[std::min(pos_ + n, toks_.size() - 1)]; }
  void Next() {
    if (pos_ < toks_.size() - 1) ++pos_;
  }
  bool IsOp(const char* op) const { return Cur().type == TokenType::kOp && Cur().text == op; }
  bool IsName(const char* name) const { return Cur().type == TokenType::kName && Cur().text == name; }
  bool SkipOp(const char* op) {
    if (!IsOp(op)) return false;
    Next();
    return true;
  }
  bool SkipName(const char* name) {
    if (!IsName(name)) return false;
    Next();
    return true;
  }
  std::string Describe(const Token& t) const {
    switch (t.type) {
      case TokenType::kEof: return "end of template";
      case TokenType::kBlockEnd: return "end of statement block";
      case TokenType::kVarEnd: return "end of print statement";
      case TokenType::kData: return "template data";
      default: return t.text;
    }
  }
  void ExpectOp(const char* op) {
    if (!SkipOp(op)) ParseFail("unexpected '" + Describe(Cur()) + "', expected '" + op + "'");
  }
  void ExpectName(const char* name) {
    if (!SkipName(name)) ParseFail("unexpected '" + Describe(Cur()) + "', expected '" + name + "'");
  }
  std::string ExpectIdentifier() {
    if (Cur().type != TokenType::kName) ParseFail("unexpected '" + Describe(Cur()) + "', expected a name");
    std::string name = Cur().text;
    Next();
    return name;
  }
  void ExpectBlockEnd() {
    if (Cur().type != TokenType::kBlockEnd) ParseFail("unexpected '" + Describe(Cur()) + "', expected end of statement block");
    Next();
  }

  ExprPtr NewExpr(ExprKind kind, int line) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = line;
    return e;
  }

  // ---- statements ----

  Body ParseBody(const std::vector<std::string>& ends, std::string* end_found) {
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

  StmtPtr ParseStatement() {
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
  void ParseTargets(Stmt* s, bool allow_attr) {
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

  void ParseParams(Stmt* s) {
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

  ExprPtr ParseFilterChain(int line, bool leading_pipe = true) {
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

  // ---- expressions ----

  ExprPtr ParseTuple(bool with_condexpr, bool explicit_parens, const char* extra_end = nullptr) {
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

  ExprPtr ParseExpression() {
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

  ExprPtr Binary(const std::string& op, ExprPtr lhs, ExprPtr rhs, int line) {
    auto e = NewExpr(ExprKind::kBinary, line);
    e->name = op;
    e->args.push_back(std::move(lhs));
    e->args.push_back(std::move(rhs));
    return e;
  }

  ExprPtr ParseOr() {
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

  ExprPtr ParseAnd() {
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

  ExprPtr ParseNot() {
    if (IsName("not")) {
      DepthGuard guard(this);
      auto e = NewExpr(ExprKind::kNot, Cur().line);
      Next();
      e->args.push_back(ParseNot());
      return e;
    }
    return ParseCompare();
  }

  ExprPtr ParseCompare() {
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

  ExprPtr ParseMath1() {
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

  ExprPtr ParseConcat() {
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

  ExprPtr ParseMath2() {
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

  ExprPtr ParsePow() {
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

  ExprPtr ParseUnary(bool with_filter) {
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

  ExprPtr ParsePrimary() {
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

  ExprPtr ParsePostfix(ExprPtr node) {
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

  ExprPtr ParseFilterExpr(ExprPtr node) {
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

  ExprPtr ParseSubscript(ExprPtr node) {
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
  ExprPtr ParseSubscribed() {
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

  void ParseArgs(Expr* e) {
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

  ExprPtr ParseCall(ExprPtr node) {
    auto e = NewExpr(ExprKind::kCall, Cur().line);
    e->args.push_back(std::move(node));
    ParseArgs(e.get());
    return e;
  }

  std::string ParseDottedName() {
    std::string name = ExpectIdentifier();
    while (IsOp(".") && Peek().type == TokenType::kName) {
      Next();
      name += "." + Cur().text;
      Next();
    }
    return name;
  }

  ExprPtr ParseFilter(ExprPtr node) {
    auto e = NewExpr(ExprKind::kFilter, Cur().line);
    e->name = ParseDottedName();
    e->args.push_back(std::move(node));
    if (IsOp("(")) ParseArgs(e.get());
    return e;
  }

  ExprPtr ParseTest(ExprPtr node) {
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

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

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
