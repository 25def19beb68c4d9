#include "format/template_exec.h"

#include <utility>
#include <vector>

#include "format/go_fmt.h"
#include "format/template_funcs.h"
#include "format/template_value.h"

namespace berth::format {
namespace {

using nlohmann::json;

class Executor {
 public:
  Executor(const Tree& tree, const ExecOptions& options, std::string& out)
      : tree_(tree), options_(options), out_(out) {}

  Status run(const json& dot) {
    const Value root = Value::ref(dot);
    vars_.emplace_back("$", root);
    BERTH_TRY(walkList(tree_.root, root));
    return okStatus();
  }

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  Error errorAt(size_t pos, size_t end, const std::string& message) const {
    return errorAt(pos, pos, end, message);
  }
  // `pos` is the reported line:column, [start, end) the quoted source.
  Error errorAt(size_t pos, size_t start, size_t end, const std::string& message) const {
    const std::string_view src = tree_.source;
    const size_t lineStart = src.rfind('\n', pos == 0 ? 0 : pos - 1);
    const size_t col =
        (pos == 0 || lineStart == std::string_view::npos) ? pos : pos - lineStart - 1;
    return invalidArgument("template: :" + std::to_string(lineOf(src, pos)) + ":" +
                           std::to_string(col) + ": executing \"\" at <" +
                           std::string(src.substr(start, end - start)) + ">: " + message);
  }
  Error errorAt(const Arg& a, const std::string& message) const {
    return errorAt(a.pos, a.start, a.end, message);
  }
  Error errorAt(const Command& c, const std::string& message) const {
    return errorAt(c.pos, c.end, message);
  }
  Error errorAt(const Pipe& p, const std::string& message) const {
    return p.cmds.empty() ? errorAt(p.pos, p.pos, message)
                          : errorAt(p.cmds.front().pos, p.cmds.back().end, message);
  }

  Status emit(std::string_view s, size_t pos) {
    if (out_.size() + s.size() > options_.maxOutputBytes) {
      return errorAt(pos, pos, "template output too large");
    }
    out_ += s;
    return okStatus();
  }

  Result<Flow> walkList(const NodeList& list, const Value& dot) {
    for (const Node& n : list) {
      BERTH_ASSIGN_OR_RETURN(Flow f, walk(n, dot));
      if (f != Flow::kNormal) {
        return f;
      }
    }
    return Flow::kNormal;
  }

  Result<Flow> walk(const Node& n, const Value& dot) {
    switch (n.kind) {
      case Node::Kind::kText:
        BERTH_TRY(emit(n.text, n.pos));
        return Flow::kNormal;
      case Node::Kind::kAction: {
        BERTH_ASSIGN_OR_RETURN(Value v, evalPipe(n.pipe, dot));
        if (n.pipe.decl.empty()) {
          BERTH_TRY(emit(v.missing() ? "<no value>" : goPrintValue(v.data()), n.pos));
        }
        return Flow::kNormal;
      }
      case Node::Kind::kIf:
      case Node::Kind::kWith: {
        const size_t mark = vars_.size();
        BERTH_ASSIGN_OR_RETURN(Value v, evalPipe(n.pipe, dot));
        Flow f = Flow::kNormal;
        if (isTrue(v)) {
          BERTH_ASSIGN_OR_RETURN(f, walkList(n.list, n.kind == Node::Kind::kWith ? v : dot));
        } else {
          BERTH_ASSIGN_OR_RETURN(f, walkList(n.elseList, dot));
        }
        popVars(mark);
        return f;
      }
      case Node::Kind::kRange:
        return walkRange(n, dot);
      case Node::Kind::kBreak:
        return Flow::kBreak;
      case Node::Kind::kContinue:
        return Flow::kContinue;
    }
    return Flow::kNormal;
  }

  void popVars(size_t mark) {
    vars_.erase(vars_.begin() + static_cast<std::ptrdiff_t>(mark), vars_.end());
  }

  Result<Flow> iteration(const Node& n, size_t mark, const Value& key, const Value& elem) {
    if (++steps_ > options_.maxSteps) {
      return errorAt(n.pipe, "too many range iterations");
    }
    const std::vector<std::string>& decl = n.pipe.decl;
    // {{range $v := x}} binds the element; {{range $k, $v := x}} the key and the element.
    for (size_t i = 0; i < decl.size(); ++i) {
      const Value& v = (decl.size() == 2 && i == 0) ? key : elem;
      if (n.pipe.isAssign) {
        setVar(decl[i], v);
      } else {
        vars_[mark + i].second = v;
      }
    }
    const size_t inner = vars_.size();
    BERTH_ASSIGN_OR_RETURN(Flow f, walkList(n.list, elem));
    popVars(inner);
    return f;
  }

  Result<Flow> walkRange(const Node& n, const Value& dot) {
    const size_t mark = vars_.size();
    BERTH_ASSIGN_OR_RETURN(Value v, evalPipe(n.pipe, dot));
    const json& j = v.data();
    bool ran = false;
    auto each = [&](const Value& key, const Value& elem) -> Result<bool> {
      ran = true;
      BERTH_ASSIGN_OR_RETURN(Flow f, iteration(n, mark, key, elem));
      return f != Flow::kBreak;
    };
    if (j.is_array()) {
      for (size_t i = 0; i < j.size(); ++i) {
        BERTH_ASSIGN_OR_RETURN(bool more, each(Value::of(i), v.child(j[i])));
        if (!more) {
          break;
        }
      }
    } else if (j.is_object()) {
      for (auto it = j.begin(); it != j.end(); ++it) {  // std::map: sorted like Go's map range
        BERTH_ASSIGN_OR_RETURN(bool more, each(Value::of(it.key()), v.child(it.value())));
        if (!more) {
          break;
        }
      }
    } else if (j.is_number_integer() || j.is_number_unsigned()) {
      // Go 1.22 ranges over an int: 0..n-1.
      if (n.pipe.decl.size() > 1) {
        return errorAt(n.pipe,
                       "can't use " + goPrintValue(j) + " to iterate over more than one variable");
      }
      const std::int64_t count = j.is_number_integer() ? j.get<std::int64_t>() : INT64_MAX;
      for (std::int64_t i = 0; i < count; ++i) {
        BERTH_ASSIGN_OR_RETURN(bool more, each(Value::of(i), Value::of(i)));
        if (!more) {
          break;
        }
      }
    } else if (!j.is_null()) {
      return errorAt(n.pipe, "range can't iterate over " + goPrintValue(j));
    }
    if (!ran) {
      BERTH_ASSIGN_OR_RETURN(Flow f, walkList(n.elseList, dot));
      popVars(mark);
      return f;
    }
    popVars(mark);
    return Flow::kNormal;
  }

  void setVar(const std::string& name, const Value& v) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->first == name) {
        it->second = v;
        return;
      }
    }
  }

  Result<Value> evalPipe(const Pipe& pipe, const Value& dot) {
    Value v;
    bool have = false;
    for (const Command& cmd : pipe.cmds) {
      BERTH_ASSIGN_OR_RETURN(v, evalCommand(cmd, dot, have ? &v : nullptr));
      have = true;
    }
    for (const std::string& name : pipe.decl) {
      if (pipe.isAssign) {
        setVar(name, v);
      } else {
        vars_.emplace_back(name, v);
      }
    }
    return v;
  }

  Result<Value> evalCommand(const Command& cmd, const Value& dot, const Value* final) {
    const Arg& first = cmd.args[0];
    if (first.kind == Arg::Kind::kFunction) {
      return callFunction(first.name, cmd, dot, final);
    }
    if (cmd.args.size() > 1 || final != nullptr) {
      return errorAt(first, "can't give argument to non-function " +
                                tree_.source.substr(first.start, first.end - first.start));
    }
    if (first.kind == Arg::Kind::kNil) {
      return errorAt(cmd, "nil is not a command");
    }
    return evalArg(first, dot);
  }

  Result<Value> evalArg(const Arg& a, const Value& dot) {
    switch (a.kind) {
      case Arg::Kind::kDot:
        return dot;
      case Arg::Kind::kNil:
        return Value::of(nullptr);
      case Arg::Kind::kBool:
      case Arg::Kind::kNumber:
      case Arg::Kind::kString:
        return Value::ref(a.constant);
      case Arg::Kind::kField:
        return fieldChain(dot, a);
      case Arg::Kind::kVariable:
        for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
          if (it->first == a.name) {
            return fieldChain(it->second, a);
          }
        }
        return errorAt(a, "undefined variable: " + a.name);
      case Arg::Kind::kPipe: {
        BERTH_ASSIGN_OR_RETURN(Value v, evalPipe(*a.pipe, dot));
        return fieldChain(v, a);
      }
      case Arg::Kind::kFunction: {
        // A bare function name as an argument is a call without arguments.
        Command call;
        call.pos = a.start;
        call.end = a.end;
        call.args.push_back(a);
        return callFunction(a.name, call, dot, nullptr);
      }
    }
    return Value();
  }

  // .A.B on a value: a missing member is missing (<no value>), and so is a
  // member of null, which stands for Go's nil map or pointer.
  Result<Value> fieldChain(Value v, const Arg& a) {
    for (const std::string& name : a.fields) {
      const json& j = v.data();
      if (v.missing() || j.is_null()) {
        return Value();
      }
      if (!j.is_object()) {
        if (options_.headerMode) {
          return v;  // {{.Labels.foo}} titles its column LABELS instead of cutting the header
        }
        return errorAt(a, "can't evaluate field " + name + " in type " + goTypeName(j));
      }
      auto it = j.find(name);
      v = it == j.end() ? Value() : v.child(*it);
    }
    return v;
  }

  Result<Value> callFunction(const std::string& name, const Command& cmd, const Value& dot,
                             const Value* final) {
    const FuncSpec* spec = findFunction(name);
    const size_t given = cmd.args.size() - 1 + (final != nullptr ? 1 : 0);
    if (spec == nullptr) {
      return errorAt(cmd, "function \"" + name + "\" not defined");
    }
    if (static_cast<int>(given) < spec->minArgs ||
        (spec->maxArgs >= 0 && static_cast<int>(given) > spec->maxArgs)) {
      const bool tooMany = spec->maxArgs >= 0 && static_cast<int>(given) > spec->maxArgs;
      std::string want = std::to_string(tooMany ? spec->maxArgs : spec->minArgs);
      if (spec->minArgs != spec->maxArgs) {
        want = (tooMany ? "at most " : "at least ") + want;
      }
      return errorAt(cmd, "wrong number of args for " + name + ": want " + want + " got " +
                              std::to_string(given));
    }
    if (spec->impl == nullptr) {
      // and/or stop evaluating at the first argument that decides the result.
      const bool isAnd = name == "and";
      Value v;
      for (size_t i = 0; i < given; ++i) {
        if (i + 1 < cmd.args.size()) {
          BERTH_ASSIGN_OR_RETURN(v, evalArg(cmd.args[i + 1], dot));
        } else if (final != nullptr) {
          v = *final;
        }
        if (isTrue(v) != isAnd) {
          return v;
        }
      }
      return v;
    }
    std::vector<Value> args;
    for (size_t i = 1; i < cmd.args.size(); ++i) {
      BERTH_ASSIGN_OR_RETURN(Value v, evalArg(cmd.args[i], dot));
      args.push_back(std::move(v));
    }
    if (final != nullptr) {
      args.push_back(*final);
    }
    const FuncContext ctx{options_.headerMode, options_.maxOutputBytes};
    Result<Value> r = spec->impl(args, ctx);
    if (!r.ok()) {
      return errorAt(cmd, "error calling " + name + ": " + r.error().message());
    }
    return r;
  }

  const Tree& tree_;
  const ExecOptions& options_;
  std::string& out_;
  std::vector<std::pair<std::string, Value>> vars_;
  std::uint64_t steps_ = 0;
};

}  // namespace

Status executeTree(const Tree& tree, const json& dot, const ExecOptions& options,
                   std::string& out) {
  return Executor(tree, options, out).run(dot);
}

}  // namespace berth::format
