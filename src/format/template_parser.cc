#include "format/template_parser.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "format/go_fmt.h"
#include "format/template_funcs.h"
#include "format/template_lexer.h"
#include "format/template_literals.h"
#include "format/utf8.h"

namespace berth::format {
namespace {

using nlohmann::json;

// Bounds recursion on hostile input (deeply nested parens or blocks).
constexpr int kMaxNesting = 200;

// Go's item.String() in "unexpected X in Y".
std::string describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::kEof:
      return "EOF";
    case TokenKind::kKeyword:
    case TokenKind::kDot:
    case TokenKind::kNil:
      return "<" + std::string(t.text) + ">";
    default:
      if (t.text.size() > 10) {
        return goQuote(t.text.substr(0, 10)) + "...";
      }
      return goQuote(t.text);
  }
}

struct ListEnd {
  enum class Kind { kEnd, kElse };
  Kind kind;
  std::string_view elseKeyword;  // "if"/"with" for {{else if ...}}, left unconsumed
};

class Parser {
 public:
  Parser(std::string_view src, std::vector<Token> tokens) : src_(src), tokens_(std::move(tokens)) {}

  Result<Tree> run() {
    Tree tree;
    while (peek().kind != TokenKind::kEof) {
      BERTH_ASSIGN_OR_RETURN(std::optional<ListEnd> end, textOrAction(tree.root));
      if (end) {
        return error(prev().pos, end->kind == ListEnd::Kind::kEnd ? "unexpected {{end}}"
                                                                  : "unexpected {{else}}");
      }
    }
    tree.source = std::string(src_);
    tree.fieldNames = std::move(fieldNames_);
    return tree;
  }

 private:
  // The token list ends with kEof; reading past it keeps returning it, and
  // stepping back with --i_ always undoes exactly one next().
  const Token& at(size_t i) const { return tokens_[std::min(i, tokens_.size() - 1)]; }
  const Token& peek() const { return at(i_); }
  const Token& prev() const { return at(i_ == 0 ? 0 : i_ - 1); }
  const Token& next() { return at(i_++); }
  void skipSpace() {
    while (peek().kind == TokenKind::kSpace) {
      ++i_;
    }
  }
  const Token& peekNonSpace() {
    skipSpace();
    return peek();
  }
  const Token& nextNonSpace() {
    skipSpace();
    return next();
  }
  bool isKeyword(const Token& t, std::string_view word) const {
    return t.kind == TokenKind::kKeyword && t.text == word;
  }

  Error error(size_t pos, const std::string& message) const {
    return invalidArgument(parseErrorPrefix(src_, pos) + message);
  }
  Error unexpected(const Token& t, std::string_view context) const {
    return error(t.pos, "unexpected " + describe(t) + " in " + std::string(context));
  }

  Status expectRightDelim(std::string_view context) {
    const Token& t = nextNonSpace();
    if (t.kind != TokenKind::kRightDelim) {
      return unexpected(t, context);
    }
    return okStatus();
  }

  Status enter(size_t pos) {
    if (++depth_ > kMaxNesting) {
      return error(pos, "template nesting too deep");
    }
    return okStatus();
  }

  // Parses nodes up to {{end}} or {{else}}; running out of input is an error.
  Result<ListEnd> itemList(NodeList& list) {
    while (peek().kind != TokenKind::kEof) {
      BERTH_ASSIGN_OR_RETURN(std::optional<ListEnd> end, textOrAction(list));
      if (end) {
        return *end;
      }
    }
    return error(peek().pos, "unexpected EOF");
  }

  // Appends a node to `list`, or returns the {{end}}/{{else}} that ends it.
  Result<std::optional<ListEnd>> textOrAction(NodeList& list) {
    const Token& t = nextNonSpace();
    if (t.kind == TokenKind::kText) {
      Node n;
      n.kind = Node::Kind::kText;
      n.pos = t.pos;
      n.text = std::string(t.text);
      list.push_back(std::move(n));
      return std::optional<ListEnd>();
    }
    if (t.kind != TokenKind::kLeftDelim) {
      return unexpected(t, "input");
    }
    return action(list);
  }

  Result<std::optional<ListEnd>> action(NodeList& list) {
    const Token& t = nextNonSpace();
    if (t.kind == TokenKind::kKeyword) {
      if (t.text == "end") {
        BERTH_TRY(expectRightDelim("end"));
        return std::optional<ListEnd>(ListEnd{ListEnd::Kind::kEnd, {}});
      }
      if (t.text == "else") {
        const Token& after = peekNonSpace();
        if (isKeyword(after, "if") || isKeyword(after, "with")) {
          return std::optional<ListEnd>(ListEnd{ListEnd::Kind::kElse, after.text});
        }
        BERTH_TRY(expectRightDelim("else"));
        return std::optional<ListEnd>(ListEnd{ListEnd::Kind::kElse, {}});
      }
      if (t.text == "break" || t.text == "continue") {
        if (rangeDepth_ == 0) {
          return error(t.pos, "{{" + std::string(t.text) + "}} outside {{range}}");
        }
        BERTH_TRY(expectRightDelim(t.text));
        Node n;
        n.kind = t.text == "break" ? Node::Kind::kBreak : Node::Kind::kContinue;
        n.pos = t.pos;
        list.push_back(std::move(n));
        return std::optional<ListEnd>();
      }
      if (t.text == "if" || t.text == "range" || t.text == "with") {
        BERTH_ASSIGN_OR_RETURN(Node n, control(t));
        list.push_back(std::move(n));
        return std::optional<ListEnd>();
      }
      return error(t.pos, "{{" + std::string(t.text) + "}} is not supported");
    }
    --i_;
    Node n;
    n.kind = Node::Kind::kAction;
    n.pos = peek().pos;
    BERTH_ASSIGN_OR_RETURN(n.pipe, pipeline("command", TokenKind::kRightDelim));
    list.push_back(std::move(n));
    return std::optional<ListEnd>();
  }

  // {{if}}, {{range}} or {{with}}, whose keyword `kw` was just read.
  Result<Node> control(const Token& kw) {
    BERTH_TRY(enter(kw.pos));
    const std::string context(kw.text);
    const size_t mark = vars_.size();
    Node n;
    n.kind = context == "if"      ? Node::Kind::kIf
             : context == "range" ? Node::Kind::kRange
                                  : Node::Kind::kWith;
    n.pos = kw.pos;
    BERTH_ASSIGN_OR_RETURN(n.pipe, pipeline(context, TokenKind::kRightDelim));
    rangeDepth_ += context == "range" ? 1 : 0;
    BERTH_ASSIGN_OR_RETURN(ListEnd end, itemList(n.list));
    rangeDepth_ -= context == "range" ? 1 : 0;
    if (end.kind == ListEnd::Kind::kElse) {
      if (!end.elseKeyword.empty()) {
        const Token& nested = nextNonSpace();
        if (end.elseKeyword != context) {
          return error(nested.pos,
                       "unexpected {{else " + std::string(end.elseKeyword) + "}} in " + context);
        }
        // {{if a}}x{{else if b}}y{{end}} is {{if a}}x{{else}}{{if b}}y{{end}}{{end}}.
        BERTH_ASSIGN_OR_RETURN(Node chained, control(nested));
        n.elseList.push_back(std::move(chained));
      } else {
        BERTH_ASSIGN_OR_RETURN(ListEnd elseEnd, itemList(n.elseList));
        if (elseEnd.kind != ListEnd::Kind::kEnd) {
          return error(prev().pos, "expected end; found {{else}}");
        }
      }
    }
    vars_.resize(mark);
    --depth_;
    return n;
  }

  Result<Pipe> pipeline(const std::string& context, TokenKind end) {
    Pipe pipe;
    pipe.pos = peekNonSpace().pos;
    while (peekNonSpace().kind == TokenKind::kVariable) {
      const size_t save = i_;
      const Token& v = next();
      const Token& after = peekNonSpace();
      if (after.kind == TokenKind::kDeclare || after.kind == TokenKind::kAssign) {
        pipe.isAssign = after.kind == TokenKind::kAssign;
        next();
        if (pipe.isAssign && !defined(v.text)) {
          return error(v.pos, "undefined variable \"" + std::string(v.text) + "\"");
        }
        pipe.decl.emplace_back(v.text);
        if (!pipe.isAssign) {
          vars_.emplace_back(v.text);
        }
        break;
      }
      if (after.kind == TokenKind::kComma) {
        next();
        pipe.decl.emplace_back(v.text);
        vars_.emplace_back(v.text);
        const TokenKind k = peekNonSpace().kind;
        if (context != "range" || pipe.decl.size() >= 2) {
          return error(v.pos, "too many declarations in " + context);
        }
        if (k != TokenKind::kVariable) {
          return error(v.pos, "range can only initialize variables");
        }
        continue;
      }
      i_ = save;
      break;
    }
    while (true) {
      const Token& t = nextNonSpace();
      if (t.kind == end) {
        BERTH_TRY(checkPipeline(pipe, context, t.pos));
        return pipe;
      }
      switch (t.kind) {
        case TokenKind::kBool:
        case TokenKind::kChar:
        case TokenKind::kDot:
        case TokenKind::kField:
        case TokenKind::kIdentifier:
        case TokenKind::kNumber:
        case TokenKind::kNil:
        case TokenKind::kRawString:
        case TokenKind::kString:
        case TokenKind::kVariable:
        case TokenKind::kLeftParen: {
          --i_;
          BERTH_ASSIGN_OR_RETURN(Command cmd, command());
          pipe.cmds.push_back(std::move(cmd));
          break;
        }
        default:
          return unexpected(t, context);
      }
    }
  }

  Status checkPipeline(const Pipe& pipe, const std::string& context, size_t pos) const {
    if (pipe.cmds.empty()) {
      return error(pos, "missing value for " + context);
    }
    for (size_t i = 1; i < pipe.cmds.size(); ++i) {
      switch (pipe.cmds[i].args[0].kind) {
        case Arg::Kind::kBool:
        case Arg::Kind::kDot:
        case Arg::Kind::kNil:
        case Arg::Kind::kNumber:
        case Arg::Kind::kString:
          return error(pos, "non executable command in pipeline stage " + std::to_string(i + 1));
        default:
          break;
      }
    }
    return okStatus();
  }

  Result<Command> command() {
    Command cmd;
    cmd.pos = peekNonSpace().pos;
    while (true) {
      skipSpace();
      BERTH_ASSIGN_OR_RETURN(std::optional<Arg> arg, operand());
      if (arg) {
        cmd.end = arg->end;
        cmd.args.push_back(std::move(*arg));
      }
      const Token& t = next();
      if (t.kind == TokenKind::kSpace) {
        continue;
      }
      if (t.kind == TokenKind::kRightDelim || t.kind == TokenKind::kRightParen) {
        --i_;
      } else if (t.kind != TokenKind::kPipe) {
        return unexpected(t, "operand");
      }
      break;
    }
    if (cmd.args.empty()) {
      return error(cmd.pos, "empty command");
    }
    return cmd;
  }

  Result<std::optional<Arg>> operand() {
    BERTH_ASSIGN_OR_RETURN(std::optional<Arg> arg, term());
    if (!arg || peek().kind != TokenKind::kField) {
      return arg;
    }
    switch (arg->kind) {
      case Arg::Kind::kField:
      case Arg::Kind::kVariable:
      case Arg::Kind::kPipe:
        break;
      default:
        return error(peek().pos, "unexpected . after term " +
                                     goQuote(src_.substr(arg->start, arg->end - arg->start)));
    }
    // Go positions a merged chain (.A.B, $x.A, (p).A) at its first appended field.
    arg->pos = peek().pos;
    while (peek().kind == TokenKind::kField) {
      const Token& f = next();
      arg->fields.emplace_back(f.text.substr(1));
      arg->end = f.pos + f.text.size();
    }
    return arg;
  }

  bool defined(std::string_view name) const {
    for (const std::string& v : vars_) {
      if (v == name) {
        return true;
      }
    }
    return false;
  }

  Result<std::optional<Arg>> term() {
    const Token& t = nextNonSpace();
    Arg arg;
    arg.start = t.pos;
    arg.pos = t.pos;
    arg.end = t.pos + t.text.size();
    switch (t.kind) {
      case TokenKind::kIdentifier:
        if (findFunction(t.text) == nullptr) {
          return error(t.pos, "function \"" + std::string(t.text) + "\" not defined");
        }
        arg.kind = Arg::Kind::kFunction;
        arg.name = std::string(t.text);
        return std::optional<Arg>(std::move(arg));
      case TokenKind::kDot:
        arg.kind = Arg::Kind::kDot;
        return std::optional<Arg>(std::move(arg));
      case TokenKind::kNil:
        arg.kind = Arg::Kind::kNil;
        return std::optional<Arg>(std::move(arg));
      case TokenKind::kVariable:
        if (!defined(t.text)) {
          return error(t.pos, "undefined variable \"" + std::string(t.text) + "\"");
        }
        arg.kind = Arg::Kind::kVariable;
        arg.name = std::string(t.text);
        return std::optional<Arg>(std::move(arg));
      case TokenKind::kField:
        arg.kind = Arg::Kind::kField;
        arg.fields.emplace_back(t.text.substr(1));
        fieldNames_.emplace_back(t.text.substr(1));
        return std::optional<Arg>(std::move(arg));
      case TokenKind::kBool:
        arg.kind = Arg::Kind::kBool;
        arg.constant = t.text == "true";
        return std::optional<Arg>(std::move(arg));
      case TokenKind::kNumber: {
        std::optional<json> n = parseGoNumber(t.text);
        if (!n) {
          return error(t.pos, "illegal number syntax: " + goQuote(t.text));
        }
        arg.kind = Arg::Kind::kNumber;
        arg.constant = std::move(*n);
        return std::optional<Arg>(std::move(arg));
      }
      case TokenKind::kChar: {
        std::optional<std::string> s = unquoteGoLiteral(t.text.substr(1, t.text.size() - 2), '\'');
        if (!s || s->empty() || decodeRune(*s, 0).size != s->size()) {
          return error(t.pos, "malformed character constant: " + std::string(t.text));
        }
        arg.kind = Arg::Kind::kNumber;
        arg.constant = static_cast<std::int64_t>(decodeRune(*s, 0).value);
        return std::optional<Arg>(std::move(arg));
      }
      case TokenKind::kString:
      case TokenKind::kRawString: {
        std::optional<std::string> s;
        if (t.kind == TokenKind::kString) {
          s = unquoteGoLiteral(t.text.substr(1, t.text.size() - 2), '"');
        } else {
          s = std::string(t.text.substr(1, t.text.size() - 2));
          std::erase(*s, '\r');  // Go drops carriage returns from raw strings
        }
        if (!s) {
          return error(t.pos, "invalid syntax: " + std::string(t.text));
        }
        arg.kind = Arg::Kind::kString;
        arg.constant = std::move(*s);
        return std::optional<Arg>(std::move(arg));
      }
      case TokenKind::kLeftParen: {
        BERTH_TRY(enter(t.pos));
        auto pipe = std::make_shared<Pipe>();
        BERTH_ASSIGN_OR_RETURN(*pipe, pipeline("parenthesized pipeline", TokenKind::kRightParen));
        --depth_;
        arg.kind = Arg::Kind::kPipe;
        arg.pipe = std::move(pipe);
        arg.end = prev().pos + 1;
        return std::optional<Arg>(std::move(arg));
      }
      default:
        --i_;
        return std::optional<Arg>();
    }
  }

  std::string_view src_;
  std::vector<Token> tokens_;
  size_t i_ = 0;
  std::vector<std::string> vars_{"$"};
  std::vector<std::string> fieldNames_;
  int rangeDepth_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<Tree> parseTemplate(std::string_view source) {
  BERTH_ASSIGN_OR_RETURN(std::vector<Token> tokens, lexTemplate(source));
  return Parser(source, std::move(tokens)).run();
}

}  // namespace berth::format
