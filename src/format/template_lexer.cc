#include "format/template_lexer.h"

#include <string>

#include "format/template_ast.h"
#include "format/utf8.h"

namespace berth::format {
namespace {

constexpr std::string_view kLeft = "{{";
constexpr std::string_view kRight = "}}";

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool isAlnumAt(std::string_view s, size_t i) {
  if (i >= s.size()) {
    return false;
  }
  const auto c = static_cast<unsigned char>(s[i]);
  // Non-ASCII runes count as letters; Go's unicode tables are not worth carrying here.
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c >= 0x80;
}

// "U+007D '}'", Go's %#U.
std::string describeRune(std::string_view s, size_t i) {
  const Rune r = decodeRune(s, i);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "U+";
  std::string hex;
  for (char32_t v = r.value; v != 0 || hex.size() < 4; v >>= 4) {
    hex.insert(hex.begin(), kHex[v & 0xF]);
  }
  out += hex;
  if (r.value >= 0x20 && r.value != 0x7F) {
    out += " '";
    appendRune(out, r.value);
    out += "'";
  }
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}

  Result<std::vector<Token>> run() {
    size_t pos = 0;
    bool trimNext = false;
    while (true) {
      const size_t open = src_.find(kLeft, pos);
      const size_t textEnd = open == std::string_view::npos ? src_.size() : open;
      const bool trimLeft = open != std::string_view::npos && hasLeftTrim(open);
      size_t start = pos;
      size_t end = textEnd;
      if (trimNext) {
        while (start < end && isSpace(src_[start])) {
          ++start;
        }
      }
      if (trimLeft) {
        while (end > start && isSpace(src_[end - 1])) {
          --end;
        }
      }
      if (end > start) {
        emit(TokenKind::kText, start, end);
      }
      if (open == std::string_view::npos) {
        break;
      }
      BERTH_ASSIGN_OR_RETURN(pos, lexAction(open, trimLeft, trimNext));
    }
    emit(TokenKind::kEof, src_.size(), src_.size());
    return std::move(tokens_);
  }

 private:
  bool hasLeftTrim(size_t open) const {
    return open + 3 < src_.size() && src_[open + 2] == '-' && isSpace(src_[open + 3]);
  }

  // Length of the right delimiter at p (with " -" trim marker), 0 if none.
  size_t rightDelimAt(size_t p, bool& trim) const {
    trim = false;
    if (src_.substr(p, kRight.size()) == kRight) {
      return kRight.size();
    }
    if (p + 1 < src_.size() && isSpace(src_[p]) && src_[p + 1] == '-' &&
        src_.substr(p + 2, kRight.size()) == kRight) {
      trim = true;
      return 2 + kRight.size();
    }
    return 0;
  }

  bool atTerminator(size_t p) const {
    if (p >= src_.size()) {
      return true;
    }
    const char c = src_[p];
    if (isSpace(c) || c == '.' || c == ',' || c == '|' || c == ':' || c == ')' || c == '(') {
      return true;
    }
    return src_.substr(p, kRight.size()) == kRight;
  }

  void emit(TokenKind kind, size_t start, size_t end) {
    tokens_.push_back({kind, start, src_.substr(start, end - start)});
  }

  Error error(size_t pos, const std::string& message) const {
    return invalidArgument(parseErrorPrefix(src_, pos) + message);
  }

  // Lexes one {{...}} starting at `open`; returns the offset after it.
  Result<size_t> lexAction(size_t open, bool trimLeft, bool& trimNext) {
    size_t p = open + kLeft.size() + (trimLeft ? 2 : 0);
    if (src_.substr(p, 2) == "/*") {
      const size_t close = src_.find("*/", p + 2);
      if (close == std::string_view::npos) {
        return error(open, "unclosed comment");
      }
      bool trim = false;
      const size_t n = rightDelimAt(close + 2, trim);
      if (n == 0) {
        return error(open, "comment ends before closing delimiter");
      }
      trimNext = trim;
      return close + 2 + n;
    }
    emit(TokenKind::kLeftDelim, open, p);
    int parenDepth = 0;
    while (true) {
      if (p >= src_.size()) {
        return error(open, "unclosed action");
      }
      bool trim = false;
      if (const size_t n = rightDelimAt(p, trim); n != 0) {
        if (parenDepth > 0) {
          return error(p, "unclosed left paren");
        }
        emit(TokenKind::kRightDelim, p, p + n);
        trimNext = trim;
        return p + n;
      }
      const char c = src_[p];
      const size_t start = p;
      if (isSpace(c)) {
        while (p < src_.size() && isSpace(src_[p])) {
          ++p;
        }
        // The last space may belong to a " -}}" trim marker.
        if (src_.substr(p, 1 + kRight.size()) == "-}}") {
          --p;
        }
        if (p > start) {
          emit(TokenKind::kSpace, start, p);
        }
        continue;
      }
      switch (c) {
        case '|':
          emit(TokenKind::kPipe, p, p + 1);
          ++p;
          continue;
        case '(':
          ++parenDepth;
          emit(TokenKind::kLeftParen, p, p + 1);
          ++p;
          continue;
        case ')':
          if (--parenDepth < 0) {
            return error(p, "unexpected right paren");
          }
          emit(TokenKind::kRightParen, p, p + 1);
          ++p;
          continue;
        case ':':
          if (p + 1 >= src_.size() || src_[p + 1] != '=') {
            return error(p, "expected :=");
          }
          emit(TokenKind::kDeclare, p, p + 2);
          p += 2;
          continue;
        case '=':
          emit(TokenKind::kAssign, p, p + 1);
          ++p;
          continue;
        case ',':
          emit(TokenKind::kComma, p, p + 1);
          ++p;
          continue;
        case '"':
        case '\'': {
          ++p;
          while (p < src_.size() && src_[p] != c) {
            if (src_[p] == '\\') {
              ++p;
            }
            if (p >= src_.size() || src_[p] == '\n') {
              return error(start, c == '"' ? "unterminated quoted string"
                                           : "unterminated character constant");
            }
            ++p;
          }
          if (p >= src_.size()) {
            return error(
                start, c == '"' ? "unterminated quoted string" : "unterminated character constant");
          }
          ++p;
          emit(c == '"' ? TokenKind::kString : TokenKind::kChar, start, p);
          continue;
        }
        case '`': {
          const size_t close = src_.find('`', p + 1);
          if (close == std::string_view::npos) {
            return error(start, "unterminated raw quoted string");
          }
          p = close + 1;
          emit(TokenKind::kRawString, start, p);
          continue;
        }
        case '$':
        case '.': {
          if (c == '.' && p + 1 < src_.size() && src_[p + 1] >= '0' && src_[p + 1] <= '9') {
            BERTH_ASSIGN_OR_RETURN(p, lexNumber(p));
            continue;
          }
          ++p;
          while (isAlnumAt(src_, p)) {
            p += decodeRune(src_, p).size;
          }
          if (!atTerminator(p)) {
            return error(p, "bad character " + describeRune(src_, p));
          }
          TokenKind kind = c == '$' ? TokenKind::kVariable : TokenKind::kField;
          if (c == '.' && p == start + 1) {
            kind = TokenKind::kDot;
          }
          emit(kind, start, p);
          continue;
        }
        default:
          break;
      }
      if (c == '+' || c == '-' || (c >= '0' && c <= '9')) {
        BERTH_ASSIGN_OR_RETURN(p, lexNumber(p));
        continue;
      }
      if (isAlnumAt(src_, p)) {
        while (isAlnumAt(src_, p)) {
          p += decodeRune(src_, p).size;
        }
        if (!atTerminator(p)) {
          return error(p, "bad character " + describeRune(src_, p));
        }
        emit(wordKind(src_.substr(start, p - start)), start, p);
        continue;
      }
      return error(p, "bad character " + describeRune(src_, p));
    }
  }

  static TokenKind wordKind(std::string_view word) {
    static constexpr std::string_view kKeywords[] = {
        "if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"};
    for (const std::string_view k : kKeywords) {
      if (word == k) {
        return TokenKind::kKeyword;
      }
    }
    if (word == "true" || word == "false") {
      return TokenKind::kBool;
    }
    if (word == "nil") {
      return TokenKind::kNil;
    }
    return TokenKind::kIdentifier;
  }

  Result<size_t> lexNumber(size_t start) {
    size_t p = start;
    auto accept = [&](std::string_view set) {
      if (p < src_.size() && set.find(src_[p]) != std::string_view::npos) {
        ++p;
        return true;
      }
      return false;
    };
    auto acceptRun = [&](std::string_view set) {
      while (accept(set)) {
      }
    };
    accept("+-");
    std::string_view digits = "0123456789_";
    if (accept("0")) {
      if (accept("xX")) {
        digits = "0123456789abcdefABCDEF_";
      } else if (accept("oO")) {
        digits = "01234567_";
      } else if (accept("bB")) {
        digits = "01_";
      }
    }
    acceptRun(digits);
    if (accept(".")) {
      acceptRun(digits);
    }
    if (digits.size() == 11 && accept("eE")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    if (digits.size() == 23 && accept("pP")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    if (isAlnumAt(src_, p)) {
      ++p;
      return error(start,
                   "bad number syntax: \"" + std::string(src_.substr(start, p - start)) + "\"");
    }
    emit(TokenKind::kNumber, start, p);
    return p;
  }

  std::string_view src_;
  std::vector<Token> tokens_;
};

}  // namespace

Result<std::vector<Token>> lexTemplate(std::string_view source) { return Lexer(source).run(); }

}  // namespace berth::format
