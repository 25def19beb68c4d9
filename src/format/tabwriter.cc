#include "format/tabwriter.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "format/utf8.h"

namespace berth::format {

namespace {

struct Range {
  char32_t first;
  char32_t last;
};

bool inRanges(char32_t r, const Range* ranges, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (r >= ranges[i].first && r <= ranges[i].last) {
      return true;
    }
  }
  return false;
}

// Terminal columns of a rune, like the go-runewidth package the docker CLI's
// tabwriter uses: East Asian wide and fullwidth runes take two columns,
// combining marks and zero-width characters none.
int runeWidth(char32_t r) {
  static constexpr Range kZero[] = {
      {0x0000, 0x001F}, {0x007F, 0x009F}, {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD},
      {0x0610, 0x061A}, {0x064B, 0x065F}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E},
      {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x2028, 0x202E}, {0x2060, 0x2064},
      {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
  };
  static constexpr Range kWide[] = {
      {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
      {0x23F0, 0x23F0},   {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},
      {0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
      {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
      {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
      {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
      {0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},
      {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},   {0x27BF, 0x27BF},
      {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
      {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
      {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},
      {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x18CFF},
      {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E},
      {0x1F191, 0x1F19A}, {0x1F200, 0x1F251}, {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF},
      {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD},
      {0x30000, 0x3FFFD},
  };
  if (r >= 0x20 && r < 0x7F) {
    return 1;
  }
  if (inRanges(r, kZero, std::size(kZero))) {
    return 0;
  }
  return inRanges(r, kWide, std::size(kWide)) ? 2 : 1;
}

int displayWidth(std::string_view s) {
  int width = 0;
  for (size_t i = 0; i < s.size();) {
    const Rune r = decodeRune(s, i);
    width += runeWidth(r.value);
    i += r.size;
  }
  return width;
}

}  // namespace

TabWriter::TabWriter(Options options) : options_(options) { reset(); }

void TabWriter::reset() {
  buf_.clear();
  cell_ = {};
  lines_.assign(1, {});
  widths_.clear();
}

void TabWriter::append(std::string_view text) {
  buf_ += text;
  cell_.size += text.size();
}

size_t TabWriter::terminateCell(bool htab) {
  // Measured once the cell is complete, so a rune split across writes counts right.
  cell_.width = displayWidth(std::string_view(buf_).substr(buf_.size() - cell_.size));
  cell_.htab = htab;
  lines_.back().push_back(cell_);
  cell_ = {};
  return lines_.back().size();
}

void TabWriter::write(std::string_view text) {
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch != '\t' && ch != '\v' && ch != '\n' && ch != '\f') {
      continue;
    }
    append(text.substr(n, i - n));
    n = i + 1;
    const size_t ncells = terminateCell(ch == '\t');
    if (ch == '\n' || ch == '\f') {
      lines_.emplace_back();
      // A line with a single cell cannot affect later lines' columns.
      if (ch == '\f' || ncells == 1) {
        flushBuffered();
      }
    }
  }
  append(text.substr(n));
}

std::string TabWriter::flush() {
  flushBuffered();
  return std::exchange(out_, {});
}

void TabWriter::flushBuffered() {
  if (cell_.size > 0) {
    terminateCell(false);
  }
  format(0, 0, lines_.size());
  reset();
}

void TabWriter::writePadding(int textWidth, int cellWidth) {
  if (options_.padChar == '\t') {
    if (options_.tabWidth == 0) {
      return;
    }
    const int tw = options_.tabWidth;
    cellWidth = (cellWidth + tw - 1) / tw * tw;
    const int n = cellWidth - textWidth;
    out_.append(static_cast<size_t>((n + tw - 1) / tw), '\t');
    return;
  }
  if (cellWidth > textWidth) {
    out_.append(static_cast<size_t>(cellWidth - textWidth), options_.padChar);
  }
}

size_t TabWriter::writeLines(size_t pos, size_t line0, size_t line1) {
  for (size_t i = line0; i < line1; ++i) {
    const std::vector<Cell>& line = lines_[i];
    for (size_t j = 0; j < line.size(); ++j) {
      const Cell& c = line[j];
      if (c.size > 0) {
        out_.append(buf_, pos, c.size);
        pos += c.size;
      }
      if (j < widths_.size()) {
        writePadding(c.width, widths_[j]);
      }
    }
    if (i + 1 == lines_.size()) {
      // The last buffered line has no newline yet; emit its unfinished cell.
      out_.append(buf_, pos, cell_.size);
      pos += cell_.size;
    } else {
      out_ += '\n';
    }
  }
  return pos;
}

// Formats lines [line0, line1); pos is the buffer offset of line0. Each
// recursion level fixes the width of one more column, as in Go.
size_t TabWriter::format(size_t pos, size_t line0, size_t line1) {
  const size_t column = widths_.size();
  for (size_t self = line0; self < line1; ++self) {
    if (column + 1 >= lines_[self].size()) {
      continue;
    }
    // This line has a cell in this column: print the lines above, then find
    // the block of consecutive lines that share the column.
    pos = writeLines(pos, line0, self);
    line0 = self;
    int width = options_.minWidth;
    for (; self < line1; ++self) {
      const std::vector<Cell>& line = lines_[self];
      if (column + 1 >= line.size()) {
        break;
      }
      width = std::max(width, line[column].width + options_.padding);
    }
    widths_.push_back(width);
    pos = format(pos, line0, self);
    widths_.pop_back();
    line0 = self;
  }
  return writeLines(pos, line0, line1);
}

std::string tabulate(std::string_view text) {
  TabWriter w;
  w.write(text);
  return w.flush();
}

}  // namespace berth::format
