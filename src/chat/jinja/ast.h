// Syntax tree of a parsed Jinja template: expressions and statements, immutable after parsing.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/jinja/value.h"

namespace ingot::chat::jinja {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class ExprKind {
  kLiteral,      // value
  kName,         // name
  kList,         // args
  kTuple,        // args
  kDict,         // args: key, value, key, value, ...
  kGetAttr,      // args[0].name
  kGetItem,      // args[0][args[1]]
  kSlice,        // args[0][args[1]:args[2]:args[3]] (missing parts are null)
  kCall,         // args[0](args[1..], kwargs)
  kFilter,       // args[0] | name(args[1..], kwargs)
  kTest,         // args[0] is [not] name(args[1..], kwargs)
  kNot,          // not args[0]
  kNeg,          // -args[0]
  kPos,          // +args[0]
  kBinary,       // args[0] op args[1]: + - * / // % ** ~ and or
  kCompare,      // args[0] ops[0] args[1] ops[1] args[2] ...: == != < <= > >= in notin
  kCondition,    // args[1] if args[0] else args[2] (args[2] may be null)
  kPlaceholder,  // the captured body of {% filter %} / {% set x | f %}
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  int line = 0;
  Value value;
  std::string name;             // variable, attribute, filter, test or operator
  std::vector<std::string> ops;  // comparison operators
  bool negated = false;         // `is not`
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
};

enum class StmtKind {
  kText,        // text
  kOutput,      // {{ expr }}
  kIf,          // branches (cond, body) ...; else_body
  kFor,         // targets in expr [if cond] body else else_body
  kSet,         // targets (or ns.attr via attr) = expr
  kSetBlock,    // {% set name [| filters] %}body{% endset %}; filter expr has a placeholder
  kMacro,       // name(params) body
  kCallBlock,   // {% call(params) expr %}body{% endcall %}
  kFilterBlock, // {% filter chain %}body{% endfilter %}
  kWith,        // {% with a = x %}body{% endwith %}
  kScope,       // body rendered as is ({% generation %})
  kBreak,
  kContinue,
};

struct Param {
  std::string name;
  ExprPtr default_value;  // null when required
};

struct Branch {
  ExprPtr cond;
  Body body;
};

struct Stmt {
  StmtKind kind = StmtKind::kText;
  int line = 0;
  std::string text;
  std::string name;                    // macro name, set-block name
  std::vector<std::string> targets;    // for/set/with target names
  std::string attr;                    // set ns.attr
  ExprPtr expr;                        // output, for iterable, set value, call expr, filter chain
  ExprPtr cond;                        // for ... if cond
  std::vector<Branch> branches;        // if / elif
  std::vector<ExprPtr> values;         // with: one value per target
  std::vector<Param> params;           // macro and call-block parameters
  Body body;
  Body else_body;
  bool unpack = false;                 // targets came from a tuple (a, b = ...)
};

}  // namespace ingot::chat::jinja
