// The parse tree of a template: the lexer and parser build it, the executor
// walks it. Every node keeps its byte span in the source so errors can quote
// the action the way Go does ("at <index .X 5>").
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace berth::format {

struct Pipe;

// One operand of a command.
struct Arg {
  enum class Kind { kField, kVariable, kDot, kNil, kBool, kNumber, kString, kFunction, kPipe };
  Kind kind = Kind::kDot;
  size_t start = 0;  // source span [start, end)
  size_t end = 0;
  size_t pos = 0;                   // where Go reports it: a field chain's second field, else start
  std::string name;                 // "$x" for variables, the function name, or a string's value
  std::vector<std::string> fields;  // .A.B -> {A, B}; $x.A -> {A}; (pipe).A -> {A}
  nlohmann::json constant;          // bool, number and string literals
  std::shared_ptr<Pipe> pipe;       // parenthesized pipeline
};

// An operand or a function call: `.X`, `printf "%s" .Y`.
struct Command {
  size_t pos = 0;
  size_t end = 0;
  std::vector<Arg> args;
};

// Commands joined by '|', optionally declaring or assigning variables.
struct Pipe {
  size_t pos = 0;
  bool isAssign = false;
  std::vector<std::string> decl;  // "$x" names; two only in range
  std::vector<Command> cmds;
};

struct Node;
using NodeList = std::vector<Node>;

struct Node {
  enum class Kind { kText, kAction, kIf, kRange, kWith, kBreak, kContinue };
  Kind kind = Kind::kText;
  size_t pos = 0;
  std::string text;  // kText only
  Pipe pipe;         // kAction, kIf, kRange, kWith
  NodeList list;
  NodeList elseList;
};

struct Tree {
  std::string source;
  NodeList root;
  std::vector<std::string> fieldNames;  // first name of every .A.B chain, in source order
};

// 1-based line of a byte offset, as Go reports it.
inline int lineOf(std::string_view source, size_t pos) {
  int line = 1;
  for (size_t i = 0; i < pos && i < source.size(); ++i) {
    line += source[i] == '\n' ? 1 : 0;
  }
  return line;
}

// "template: :3: " - the prefix Go puts on parse errors.
inline std::string parseErrorPrefix(std::string_view source, size_t pos) {
  return "template: :" + std::to_string(lineOf(source, pos)) + ": ";
}

}  // namespace berth::format
