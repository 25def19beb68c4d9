#include "logdriver/line_splitter.h"

#include <algorithm>

namespace berth {

void LineSplitter::feed(std::string_view data, const Emit& emit) {
  while (!data.empty()) {
    size_t nl = data.find('\n');
    size_t room = kMaxLine - pending_.size();
    if (nl != std::string_view::npos && nl < room) {
      if (pending_.empty()) {
        emit(data.substr(0, nl + 1));  // the common case: no copy
      } else {
        pending_.append(data.substr(0, nl + 1));
        emit(pending_);
        pending_.clear();
      }
      data.remove_prefix(nl + 1);
      continue;
    }
    size_t take = std::min(room, data.size());
    pending_.append(data.substr(0, take));
    data.remove_prefix(take);
    if (pending_.size() == kMaxLine) {
      emit(pending_);
      pending_.clear();
    }
  }
}

void LineSplitter::finish(const Emit& emit) {
  if (!pending_.empty()) {
    emit(pending_);
    pending_.clear();
  }
}

}  // namespace berth
