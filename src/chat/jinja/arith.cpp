// Python number arithmetic for the Jinja engine.
#include "chat/jinja/arith.h"

#include <cmath>

namespace ingot::chat::jinja {
namespace {

void CheckOverflow(bool overflow) {
  if (overflow) Fail("integer overflow");
}

Value IntOp(const std::string& op, int64_t x, int64_t y) {
  int64_t r = 0;
  if (op == "+") {
    CheckOverflow(__builtin_add_overflow(x, y, &r));
    return Value(r);
  }
  if (op == "-") {
    CheckOverflow(__builtin_sub_overflow(x, y, &r));
    return Value(r);
  }
  if (op == "*") {
    CheckOverflow(__builtin_mul_overflow(x, y, &r));
    return Value(r);
  }
  if (op == "/") {
    if (y == 0) Fail("division by zero");
    return Value(static_cast<double>(x) / static_cast<double>(y));
  }
  if (op == "//" || op == "%") {
    if (y == 0) Fail("integer division or modulo by zero");
    if (x == INT64_MIN && y == -1) Fail("integer overflow");
    int64_t q = x / y;
    int64_t m = x % y;
    if (m != 0 && ((m < 0) != (y < 0))) {
      q -= 1;
      m += y;
    }
    return Value(op == "//" ? q : m);
  }
  // "**"
  if (y < 0) return Value(std::pow(static_cast<double>(x), static_cast<double>(y)));
  int64_t result = 1;
  int64_t base = x;
  while (y > 0) {
    if (y & 1) CheckOverflow(__builtin_mul_overflow(result, base, &result));
    y >>= 1;
    if (y > 0) CheckOverflow(__builtin_mul_overflow(base, base, &base));
  }
  return Value(result);
}

Value FloatOp(const std::string& op, double x, double y) {
  if (op == "+") return Value(x + y);
  if (op == "-") return Value(x - y);
  if (op == "*") return Value(x * y);
  if (op == "/") {
    if (y == 0) Fail("float division by zero");
    return Value(x / y);
  }
  if (op == "//" || op == "%") {
    if (y == 0) Fail(op == "//" ? "float floor division by zero" : "float modulo");
    // CPython's float_divmod.
    double m = std::fmod(x, y);
    double div = (x - m) / y;
    if (m != 0 && ((y < 0) != (m < 0))) {
      m += y;
      div -= 1.0;
    }
    if (op == "%") return Value(m != 0 ? m : std::copysign(0.0, y));
    double floordiv = std::copysign(0.0, x / y);
    if (div != 0) {
      floordiv = std::floor(div);
      if (div - floordiv > 0.5) floordiv += 1.0;
    }
    return Value(floordiv);
  }
  if (x == 0 && y < 0) Fail("0.0 cannot be raised to a negative power");
  double r = std::pow(x, y);
  if (std::isnan(r) && !std::isnan(x) && !std::isnan(y)) Fail("math domain error");
  return Value(r);
}

}  // namespace

Value NumericOp(const std::string& op, const Value& a, const Value& b) {
  if (a.is_float() || b.is_float()) return FloatOp(op, a.ToDouble(), b.ToDouble());
  return IntOp(op, a.ToInt(), b.ToInt());
}

}  // namespace ingot::chat::jinja
