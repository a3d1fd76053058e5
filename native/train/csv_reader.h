// A fast CSV reader for numeric tables: header names plus a column-major float32 matrix.
//
// Fields may be quoted ("..." with "" for a quote). Empty fields and the usual missing markers
// (NA, N/A, NaN, nan, null, NULL, None, ?) become NaN. Anything else must parse as a number;
// otherwise the error names the line, the column (1-based character position) and the field.
// Line endings may be \n or \r\n; blank lines are skipped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace larch::train {

struct CsvOptions {
  char delimiter = ',';
  bool header = true;  // false: columns are named column_0, column_1, ...
};

struct CsvTable {
  std::vector<std::string> names;
  int64_t num_rows = 0;
  std::vector<float> data;  // data[c * num_rows + r]
};

StatusOr<CsvTable> ParseCsv(std::string_view text, const CsvOptions& options);
StatusOr<CsvTable> ReadCsvFile(const std::string& path, const CsvOptions& options);

}  // namespace larch::train
