// Go's text/tabwriter (elastic tabstops) as the docker CLI configures it for
// tables: NewWriter(out, 10, 1, 3, ' ', 0). Cells end at '\t'; consecutive
// lines that share a column align it; text after a line's last tab is not a
// cell and is never padded; a line without tabs ends every column block.
// Widths are terminal columns as in docker's fork (go-runewidth): East Asian
// wide runes count two, combining marks zero, everything else one.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace berth::format {

class TabWriter {
 public:
  struct Options {
    int minWidth = 10;  // minimal cell width including padding
    int tabWidth = 1;   // width of a tab when padChar is '\t'
    int padding = 3;    // added to the widest cell of a column
    char padChar = ' ';
  };

  TabWriter() : TabWriter(Options{}) {}
  explicit TabWriter(Options options);

  // Buffers text; output appears as soon as a column block is complete.
  void write(std::string_view text);
  // Formats whatever is buffered and returns all output not yet returned.
  std::string flush();

 private:
  struct Cell {
    size_t size = 0;    // bytes
    int width = 0;      // terminal columns
    bool htab = false;  // ended by '\t' (not '\v')
  };

  void append(std::string_view text);
  size_t terminateCell(bool htab);
  void flushBuffered();
  void reset();
  void writePadding(int textWidth, int cellWidth);
  size_t writeLines(size_t pos, size_t line0, size_t line1);
  size_t format(size_t pos, size_t line0, size_t line1);

  Options options_;
  std::string buf_;  // text without tabs and newlines
  Cell cell_;        // the cell being collected
  std::vector<std::vector<Cell>> lines_;
  std::vector<int> widths_;  // column widths while formatting
  std::string out_;
};

// The whole of `text` through a docker-configured TabWriter.
std::string tabulate(std::string_view text);

}  // namespace berth::format
