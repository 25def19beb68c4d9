// Splits a template into tokens the way Go's text/template lexer does,
// including trim markers ({{- -}}) and comments, which never reach the parser.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::format {

enum class TokenKind {
  kText,
  kLeftDelim,
  kRightDelim,
  kSpace,
  kField,       // .Name
  kVariable,    // $ or $name
  kIdentifier,  // function name
  kKeyword,     // if else end range with define template block break continue
  kDot,
  kString,     // "quoted"
  kRawString,  // `raw`
  kChar,       // 'c'
  kNumber,
  kBool,
  kNil,
  kPipe,
  kLeftParen,
  kRightParen,
  kDeclare,  // :=
  kAssign,   // =
  kComma,
  kEof,
};

struct Token {
  TokenKind kind;
  size_t pos;             // byte offset in the source
  std::string_view text;  // points into the source, except trimmed text
};

// Errors are invalidArgument with Go's "template: :LINE: ..." wording.
Result<std::vector<Token>> lexTemplate(std::string_view source);

}  // namespace berth::format
