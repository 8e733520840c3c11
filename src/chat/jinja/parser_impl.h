// The recursive-descent parser class shared by parser.cpp (statements) and parse_expr.cpp (expressions).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "chat/jinja/ast.h"
#include "chat/jinja/lexer.h"

namespace ingot::chat::jinja {

// Nesting bound (statements, parentheses, operator chains) that keeps parsing, evaluation and destruction of the
// tree within a small, fixed stack depth.
inline constexpr int kMaxNesting = 256;

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


  // Statements (parser.cpp).
  Body ParseBody(const std::vector<std::string>& ends, std::string* end_found);
  StmtPtr ParseStatement();
  // for/set targets: `x`, `a, b`, `(a, b)`, or (set only) `ns.attr`.
  void ParseTargets(Stmt* s, bool allow_attr);
  void ParseParams(Stmt* s);
  ExprPtr ParseFilterChain(int line, bool leading_pipe = true);

  // Expressions (parse_expr.cpp).
  ExprPtr ParseTuple(bool with_condexpr, bool explicit_parens, const char* extra_end = nullptr);
  ExprPtr ParseExpression();
  ExprPtr Binary(const std::string& op, ExprPtr lhs, ExprPtr rhs, int line);
  ExprPtr ParseOr();
  ExprPtr ParseAnd();
  ExprPtr ParseNot();
  ExprPtr ParseCompare();
  ExprPtr ParseMath1();
  ExprPtr ParseConcat();
  ExprPtr ParseMath2();
  ExprPtr ParsePow();
  ExprPtr ParseUnary(bool with_filter);
  ExprPtr ParsePrimary();
  ExprPtr ParsePostfix(ExprPtr node);
  ExprPtr ParseFilterExpr(ExprPtr node);
  ExprPtr ParseSubscript(ExprPtr node);
  // One subscript: an expression or a slice `[start]:[stop][:[step]]` (args[0] is filled by the caller).
  ExprPtr ParseSubscribed();
  void ParseArgs(Expr* e);
  ExprPtr ParseCall(ExprPtr node);
  std::string ParseDottedName();
  ExprPtr ParseFilter(ExprPtr node);
  ExprPtr ParseTest(ExprPtr node);

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace ingot::chat::jinja
