#include "format/template_funcs.h"

#include <cstdint>
#include <string>

#include "format/go_fmt.h"
#include "format/go_json.h"
#include "format/utf8.h"

namespace berth::format {
namespace {

using nlohmann::json;

std::vector<json> plain(const std::vector<Value>& args, size_t from = 0) {
  std::vector<json> out;
  for (size_t i = from; i < args.size(); ++i) {
    out.push_back(args[i].data());
  }
  return out;
}

Error wrongType(std::string_view expected, const json& got) {
  return invalidArgument("wrong type for value; expected " + std::string(expected) + "; got " +
                         goTypeName(got));
}

Result<std::string_view> asString(const Value& v) {
  if (!v.data().is_string()) {
    return wrongType("string", v.data());
  }
  return std::string_view(v.data().get_ref<const std::string&>());
}

// Integers, and floats that hold an integer (JSON has no int type to insist on).
Result<std::int64_t> asInt(const Value& v) {
  const json& j = v.data();
  if (j.is_number_integer()) {
    return j.get<std::int64_t>();
  }
  if (j.is_number_unsigned()) {
    if (j.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
      return invalidArgument(goPrintValue(j) + " overflows int");
    }
    return static_cast<std::int64_t>(j.get<std::uint64_t>());
  }
  if (j.is_number_float()) {
    const double d = j.get<double>();
    if (d > -9.2e18 && d < 9.2e18 && d == static_cast<double>(static_cast<std::int64_t>(d))) {
      return static_cast<std::int64_t>(d);
    }
  }
  return wrongType("int", j);
}

Status checkSize(size_t n, const FuncContext& ctx) {
  if (n > ctx.maxBytes) {
    return invalidArgument("result too large");
  }
  return okStatus();
}

// Simple case mapping: ASCII, Latin-1, Greek and Cyrillic, which covers what
// names and labels hold; Go's full Unicode tables are not worth carrying.
char32_t toUpperRune(char32_t r) {
  if ((r >= 'a' && r <= 'z') || (r >= 0xE0 && r <= 0xFE && r != 0xF7) ||
      (r >= 0x3B1 && r <= 0x3C9 && r != 0x3C2) || (r >= 0x430 && r <= 0x44F)) {
    return r - 0x20;
  }
  if (r == 0x3C2) {
    return 0x3A3;
  }
  if (r >= 0x450 && r <= 0x45F) {
    return r - 0x50;
  }
  return r;
}

char32_t toLowerRune(char32_t r) {
  if ((r >= 'A' && r <= 'Z') || (r >= 0xC0 && r <= 0xDE && r != 0xD7) ||
      (r >= 0x391 && r <= 0x3A9 && r != 0x3A2) || (r >= 0x410 && r <= 0x42F)) {
    return r + 0x20;
  }
  if (r >= 0x400 && r <= 0x40F) {
    return r + 0x50;
  }
  return r;
}

// strings.Title's word boundary test.
bool isSeparator(char32_t r) {
  if (r <= 0x7F) {
    const bool alnum = (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
    return !(alnum || r == '_');
  }
  return r == 0x85 || r == 0xA0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200A) || r == 0x2028 ||
         r == 0x2029 || r == 0x202F || r == 0x205F || r == 0x3000;
}

enum class CaseMode { kLower, kUpper, kTitle };

std::string mapCase(std::string_view s, CaseMode mode) {
  std::string out;
  char32_t prev = ' ';
  for (size_t i = 0; i < s.size();) {
    const Rune r = decodeRune(s, i);
    if (!r.valid) {
      out.append(s.substr(i, r.size));
    } else if (mode == CaseMode::kLower) {
      appendRune(out, toLowerRune(r.value));
    } else if (mode == CaseMode::kUpper || isSeparator(prev)) {
      appendRune(out, toUpperRune(r.value));
    } else {
      appendRune(out, r.value);
    }
    prev = r.value;
    i += r.size;
  }
  return out;
}

// -1, 0, 1 for two numbers of any JSON number type.
int compareNumbers(const json& a, const json& b) {
  if (a.is_number_float() || b.is_number_float()) {
    const double x = a.get<double>();
    const double y = b.get<double>();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const bool aNeg = a.is_number_integer() && a.get<std::int64_t>() < 0;
  const bool bNeg = b.is_number_integer() && b.get<std::int64_t>() < 0;
  if (aNeg != bNeg) {
    return aNeg ? -1 : 1;
  }
  if (aNeg) {
    const std::int64_t x = a.get<std::int64_t>();
    const std::int64_t y = b.get<std::int64_t>();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const std::uint64_t x = a.get<std::uint64_t>();
  const std::uint64_t y = b.get<std::uint64_t>();
  return x < y ? -1 : x > y ? 1 : 0;
}

// Go's eq/lt on basic kinds. Numbers of any type compare with each other (Go
// would insist on one type, which JSON data cannot promise).
Result<int> compareBasic(const json& a, const json& b, bool ordering) {
  auto basic = [](const json& j) {
    return j.is_boolean() || j.is_number() || j.is_string() || (j.is_null());
  };
  if (!basic(a) || !basic(b) || (ordering && (a.is_boolean() || a.is_null() || b.is_null()))) {
    return invalidArgument(ordering ? "invalid type for comparison" : "non-comparable type");
  }
  if (a.is_number() && b.is_number()) {
    return compareNumbers(a, b);
  }
  if (a.is_null() || b.is_null()) {
    return a.is_null() && b.is_null() ? 0 : 1;
  }
  if (a.type() != b.type()) {
    return invalidArgument("incompatible types for comparison");
  }
  if (a.is_boolean()) {
    return a.get<bool>() == b.get<bool>() ? 0 : 1;
  }
  const int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

Result<Value> fnNot(const std::vector<Value>& a, const FuncContext&) {
  return Value::of(!isTrue(a[0]));
}

Result<Value> fnLen(const std::vector<Value>& a, const FuncContext&) {
  const json& j = a[0].data();
  if (j.is_string()) {
    return Value::of(j.get_ref<const std::string&>().size());
  }
  if (j.is_array() || j.is_object()) {
    return Value::of(j.size());
  }
  if (j.is_null()) {
    return Value::of(0);  // JSON null stands for Go's nil map or slice
  }
  return invalidArgument("len of type " + goTypeName(j));
}

Result<size_t> indexArg(const Value& v, size_t cap, bool allowEqual) {
  BERTH_ASSIGN_OR_RETURN(std::int64_t i, asInt(v));
  if (i < 0 || static_cast<std::uint64_t>(i) > cap ||
      (!allowEqual && static_cast<std::uint64_t>(i) == cap)) {
    return invalidArgument("index out of range: " + std::to_string(i));
  }
  return static_cast<size_t>(i);
}

Result<Value> fnIndex(const std::vector<Value>& a, const FuncContext&) {
  Value item = a[0];
  for (size_t k = 1; k < a.size(); ++k) {
    const json& j = item.data();
    if (j.is_array() || j.is_string()) {
      const size_t n = j.is_array() ? j.size() : j.get_ref<const std::string&>().size();
      BERTH_ASSIGN_OR_RETURN(size_t i, indexArg(a[k], n, false));
      item = j.is_array()
                 ? item.child(j[i])
                 : Value::of(static_cast<unsigned char>(j.get_ref<const std::string&>()[i]));
    } else if (j.is_object()) {
      if (!a[k].data().is_string()) {
        return invalidArgument("value has type " + goTypeName(a[k].data()) + "; should be string");
      }
      auto it = j.find(a[k].data().get_ref<const std::string&>());
      item = it == j.end() ? Value() : item.child(*it);
    } else if (j.is_null()) {
      item = Value();  // a nil map yields its zero value
    } else {
      return invalidArgument("can't index item of type " + goTypeName(j));
    }
  }
  return item;
}

Result<Value> fnSlice(const std::vector<Value>& a, const FuncContext&) {
  const json& j = a[0].data();
  if (!j.is_string() && !j.is_array()) {
    return invalidArgument("can't slice item of type " + goTypeName(j));
  }
  if (j.is_string() && a.size() > 3) {
    return invalidArgument("cannot 3-index slice a string");
  }
  const size_t n = j.is_array() ? j.size() : j.get_ref<const std::string&>().size();
  size_t idx[2] = {0, n};
  for (size_t k = 1; k < a.size() && k < 3; ++k) {
    BERTH_ASSIGN_OR_RETURN(idx[k - 1], indexArg(a[k], n, true));
  }
  if (idx[0] > idx[1]) {
    return invalidArgument("invalid slice index: " + std::to_string(idx[0]) + " > " +
                           std::to_string(idx[1]));
  }
  if (j.is_string()) {
    return Value::of(j.get_ref<const std::string&>().substr(idx[0], idx[1] - idx[0]));
  }
  json out = json::array();
  for (size_t i = idx[0]; i < idx[1]; ++i) {
    out.push_back(j[i]);
  }
  return Value::of(std::move(out));
}

Result<Value> fnEq(const std::vector<Value>& a, const FuncContext&) {
  if (a.size() < 2) {
    return invalidArgument("missing argument for comparison");
  }
  for (size_t k = 1; k < a.size(); ++k) {
    BERTH_ASSIGN_OR_RETURN(int c, compareBasic(a[0].data(), a[k].data(), false));
    if (c == 0) {
      return Value::of(true);
    }
  }
  return Value::of(false);
}

Result<Value> fnNe(const std::vector<Value>& a, const FuncContext&) {
  BERTH_ASSIGN_OR_RETURN(int c, compareBasic(a[0].data(), a[1].data(), false));
  return Value::of(c != 0);
}

template <bool (*Test)(int)>
Result<Value> fnOrder(const std::vector<Value>& a, const FuncContext&) {
  BERTH_ASSIGN_OR_RETURN(int c, compareBasic(a[0].data(), a[1].data(), true));
  return Value::of(Test(c));
}
bool isLess(int c) { return c < 0; }
bool isLessEq(int c) { return c <= 0; }
bool isGreater(int c) { return c > 0; }
bool isGreaterEq(int c) { return c >= 0; }

Result<Value> fnPrint(const std::vector<Value>& a, const FuncContext&) {
  return Value::of(goSprint(plain(a)));
}

Result<Value> fnPrintln(const std::vector<Value>& a, const FuncContext&) {
  return Value::of(goSprintln(plain(a)));
}

Result<Value> fnPrintf(const std::vector<Value>& a, const FuncContext& ctx) {
  BERTH_ASSIGN_OR_RETURN(std::string_view format, asString(a[0]));
  std::string s = goSprintf(format, plain(a, 1));
  BERTH_TRY(checkSize(s.size(), ctx));
  return Value::of(std::move(s));
}

Result<Value> fnJson(const std::vector<Value>& a, const FuncContext& ctx) {
  if (ctx.headerMode) {
    return a[0];
  }
  // docker's json function turns Go's HTML escaping off.
  return Value::of(marshalGoJson(a[0].data(), false));
}

Result<Value> fnSplit(const std::vector<Value>& a, const FuncContext& ctx) {
  if (ctx.headerMode) {
    return a[0];
  }
  BERTH_ASSIGN_OR_RETURN(std::string_view s, asString(a[0]));
  BERTH_ASSIGN_OR_RETURN(std::string_view sep, asString(a[1]));
  json out = json::array();
  if (sep.empty()) {
    // strings.Split with an empty separator splits after each UTF-8 sequence.
    for (size_t i = 0; i < s.size();) {
      const size_t n = decodeRune(s, i).size;
      out.push_back(std::string(s.substr(i, n)));
      i += n;
    }
    return Value::of(std::move(out));
  }
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      out.push_back(std::string(s.substr(start)));
      break;
    }
    out.push_back(std::string(s.substr(start, at - start)));
    start = at + sep.size();
  }
  return Value::of(std::move(out));
}

Result<Value> fnJoin(const std::vector<Value>& a, const FuncContext& ctx) {
  if (ctx.headerMode) {
    return a[0];
  }
  const json& list = a[0].data();
  BERTH_ASSIGN_OR_RETURN(std::string_view sep, asString(a[1]));
  if (list.is_null()) {
    return Value::of("");
  }
  if (!list.is_array()) {
    return wrongType("[]string", list);
  }
  std::string out;
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) {
      out += sep;
    }
    out += goPrintValue(list[i]);
    BERTH_TRY(checkSize(out.size(), ctx));
  }
  return Value::of(std::move(out));
}

template <CaseMode Mode>
Result<Value> fnCase(const std::vector<Value>& a, const FuncContext& ctx) {
  if (ctx.headerMode) {
    return a[0];
  }
  BERTH_ASSIGN_OR_RETURN(std::string_view s, asString(a[0]));
  return Value::of(mapCase(s, Mode));
}

Result<Value> fnTruncate(const std::vector<Value>& a, const FuncContext& ctx) {
  if (ctx.headerMode) {
    return a[0];
  }
  BERTH_ASSIGN_OR_RETURN(std::string_view s, asString(a[0]));
  BERTH_ASSIGN_OR_RETURN(std::int64_t n, asInt(a[1]));
  if (n < 0) {
    return invalidArgument("negative length " + std::to_string(n));
  }
  // Byte-wise like docker's source[:length]; it can split a UTF-8 sequence.
  return Value::of(std::string(s.substr(0, static_cast<size_t>(n))));
}

Result<Value> fnPad(const std::vector<Value>& a, const FuncContext& ctx) {
  BERTH_ASSIGN_OR_RETURN(std::string_view s, asString(a[0]));
  BERTH_ASSIGN_OR_RETURN(std::int64_t prefix, asInt(a[1]));
  BERTH_ASSIGN_OR_RETURN(std::int64_t suffix, asInt(a[2]));
  if (prefix < 0 || suffix < 0) {
    return invalidArgument("negative Repeat count");
  }
  if (s.empty()) {
    return Value::of("");
  }
  if (static_cast<std::uint64_t>(prefix) > ctx.maxBytes ||
      static_cast<std::uint64_t>(suffix) > ctx.maxBytes) {
    return invalidArgument("result too large");
  }
  BERTH_TRY(checkSize(static_cast<size_t>(prefix) + static_cast<size_t>(suffix) + s.size(), ctx));
  std::string out(static_cast<size_t>(prefix), ' ');
  out += s;
  out.append(static_cast<size_t>(suffix), ' ');
  return Value::of(std::move(out));
}

constexpr FuncSpec kFunctions[] = {
    {"and", 1, -1, nullptr},
    {"or", 1, -1, nullptr},
    {"not", 1, 1, fnNot},
    {"len", 1, 1, fnLen},
    {"index", 1, -1, fnIndex},
    {"slice", 1, 4, fnSlice},
    {"eq", 1, -1, fnEq},
    {"ne", 2, 2, fnNe},
    {"lt", 2, 2, fnOrder<isLess>},
    {"le", 2, 2, fnOrder<isLessEq>},
    {"gt", 2, 2, fnOrder<isGreater>},
    {"ge", 2, 2, fnOrder<isGreaterEq>},
    {"print", 0, -1, fnPrint},
    {"println", 0, -1, fnPrintln},
    {"printf", 1, -1, fnPrintf},
    {"json", 1, 1, fnJson},
    {"split", 2, 2, fnSplit},
    {"join", 2, 2, fnJoin},
    {"title", 1, 1, fnCase<CaseMode::kTitle>},
    {"lower", 1, 1, fnCase<CaseMode::kLower>},
    {"upper", 1, 1, fnCase<CaseMode::kUpper>},
    {"truncate", 2, 2, fnTruncate},
    {"pad", 3, 3, fnPad},
};

}  // namespace

const FuncSpec* findFunction(std::string_view name) {
  for (const FuncSpec& f : kFunctions) {
    if (f.name == name) {
      return &f;
    }
  }
  return nullptr;
}

}  // namespace berth::format
