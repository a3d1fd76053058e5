// Native tests of the XGBoost and LightGBM loaders, independent of the compiled evaluator:
//  - every xgboost/lightgbm case of test/fixtures/MANIFEST.json predicted through the reference
//    walker (reference_walker.h) within the case's tolerance;
//  - JSON and UBJSON copies of one model give identical IR;
//  - truncated, garbled and mislabelled files give a typed error with a message, never a crash
//    (run under ASan/UBSan by test/native/run.sh);
//  - load time of the 1000-tree model.
// Prints "N passed, N failed" and exits non-zero on any failure.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "forest/document.h"
#include "forest/loaders.h"
#include "reference_walker.h"

using namespace larch;
using namespace larch::forest;

namespace {

int passed = 0, failed = 0;
std::string fixtures = "test/fixtures";

void Check(bool ok, const std::string& what) {
  if (ok) {
    ++passed;
  } else {
    ++failed;
    std::printf("FAIL %s\n", what.c_str());
  }
}

std::vector<std::byte> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(c.size());
  std::memcpy(out.data(), c.data(), c.size());
  return out;
}

StatusOr<Forest> LoadByFormat(std::string_view format, std::span<const std::byte> bytes) {
  if (format == "xgboost_json") return LoadXgboostJson(bytes);
  if (format == "xgboost_ubj") return LoadXgboostUbj(bytes);
  return LoadLightgbmText(bytes);
}

std::string Str(const Document& d, const DocValue& obj, std::string_view key) {
  const DocValue* v = d.Find(obj, key);
  return v && v->kind == DocKind::kString ? std::string(v->text) : std::string();
}

void RunManifestCase(const Document& d, const DocValue& c) {
  const std::string id = Str(d, c, "id");
  const std::string format = Str(d, c, "model_format");
  const std::string kind_name = Str(d, c, "expected_kind");
  std::vector<std::byte> model = ReadFile(fixtures + "/" + Str(d, c, "model_file"));
  StatusOr<Forest> f = LoadByFormat(format, model);
  if (!f.ok()) {
    Check(false, id + ": load failed: " + f.status().message());
    return;
  }
  std::vector<std::byte> in = ReadFile(fixtures + "/" + Str(d, c, "input_file"));
  std::vector<std::byte> ex = ReadFile(fixtures + "/" + Str(d, c, "expected_file"));
  const bool ex64 = Str(d, c, "expected_dtype") == "float64";
  const DocValue* tol = d.Find(c, "tolerance");
  const double abs_tol = d.Find(*tol, "abs")->number, rel_tol = d.Find(*tol, "rel")->number;
  const int nf = f->num_feature;
  const size_t rows = in.size() / 4 / static_cast<size_t>(nf);
  const size_t n_ex = ex.size() / (ex64 ? 8 : 4);
  const size_t per_row = n_ex / rows;
  testing::Kind kind = kind_name == "margin" ? testing::Kind::kMargin
                       : kind_name == "class" ? testing::Kind::kClass : testing::Kind::kValue;
  std::vector<double> row(static_cast<size_t>(nf));
  size_t bad = 0;
  double worst = 0;
  for (size_t r = 0; r < rows; ++r) {
    for (int j = 0; j < nf; ++j) {
      float v;
      std::memcpy(&v, in.data() + (r * nf + j) * 4, 4);
      row[j] = v;
    }
    std::vector<double> got = f->value_type == ValueType::kFloat32
                                  ? testing::ReferencePredict<float>(f.value(), row.data(), kind)
                                  : testing::ReferencePredict<double>(f.value(), row.data(), kind);
    if (got.size() != per_row) {
      Check(false, id + ": " + std::to_string(got.size()) + " outputs per row, expected " +
                       std::to_string(per_row));
      return;
    }
    for (size_t o = 0; o < per_row; ++o) {
      double e;
      if (ex64) {
        std::memcpy(&e, ex.data() + (r * per_row + o) * 8, 8);
      } else {
        float e32;
        std::memcpy(&e32, ex.data() + (r * per_row + o) * 4, 4);
        e = e32;
      }
      const double err = std::fabs(got[o] - e);
      if (!(err <= abs_tol + rel_tol * std::fabs(e))) {
        if (bad < 3) std::printf("  %s row %zu out %zu: got %.10g expected %.10g\n", id.c_str(), r, o, got[o], e);
        ++bad;
      }
      worst = std::max(worst, err);
    }
  }
  Check(bad == 0, id + ": " + std::to_string(bad) + " values out of tolerance (worst " +
                      std::to_string(worst) + ")");
}

bool SameTree(const Tree& a, const Tree& b) {
  return a.node_type == b.node_type && a.left_child == b.left_child &&
         a.right_child == b.right_child && a.split_index == b.split_index &&
         a.default_left == b.default_left && a.leaf_value == b.leaf_value &&
         a.threshold == b.threshold && a.cmp == b.cmp && a.category_list == b.category_list &&
         a.leaf_vector == b.leaf_vector && a.sum_hess == b.sum_hess && a.gain == b.gain;
}

bool SameForest(const Forest& a, const Forest& b) {
  if (a.NumTrees() != b.NumTrees() || a.num_feature != b.num_feature ||
      a.base_scores != b.base_scores || a.postprocessor != b.postprocessor ||
      a.class_id != b.class_id || a.target_id != b.target_id || a.num_class != b.num_class) {
    return false;
  }
  for (int32_t t = 0; t < a.NumTrees(); ++t) {
    if (!SameTree(a.trees[t], b.trees[t])) return false;
  }
  return true;
}

// Every prefix length on a coarse grid, plus single-byte corruptions: each load must fail
// cleanly (or, for a corruption that happens to stay valid, succeed), never crash.
void BadInputs(const std::string& name, std::string_view format,
               const std::vector<std::byte>& bytes) {
  size_t errors = 0, empty_messages = 0, trials = 0;
  // A LightGBM file is complete once its trees end; what follows is informational.
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const size_t complete = format == "lightgbm_text" ? text.find("end of trees") : bytes.size();
  const size_t step = std::max<size_t>(1, complete / 60);
  for (size_t n = 0; n < complete; n += step) {
    StatusOr<Forest> f = LoadByFormat(format, std::span(bytes.data(), n));
    ++trials;
    if (!f.ok()) {
      ++errors;
      if (f.status().message().empty()) ++empty_messages;
    }
  }
  Check(errors == trials, name + ": every truncation is an error (" + std::to_string(errors) +
                              "/" + std::to_string(trials) + ")");
  std::vector<std::byte> copy = bytes;
  uint32_t seed = 12345;
  for (int i = 0; i < 150; ++i) {
    seed = seed * 1664525u + 1013904223u;
    const size_t at = seed % copy.size();
    const std::byte old = copy[at];
    copy[at] = static_cast<std::byte>(seed >> 24);
    StatusOr<Forest> f = LoadByFormat(format, copy);
    if (!f.ok() && f.status().message().empty()) ++empty_messages;
    copy[at] = old;
  }
  Check(empty_messages == 0, name + ": every error has a message");
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IONBF, 0);
  if (argc > 1) fixtures = argv[1];
  std::vector<std::byte> manifest = ReadFile(fixtures + "/MANIFEST.json");
  Document d(manifest, "manifest", false);
  Status s = ParseJson(manifest, &d);
  if (!s.ok()) {
    std::printf("cannot read the manifest: %s\n", s.message().c_str());
    return 1;
  }
  for (const DocValue& c : d.Children(*d.Find(d.Root(), "cases"))) {
    const std::string lib = Str(d, c, "library");
    if (lib == "xgboost" || lib == "lightgbm") RunManifestCase(d, c);
  }

  // JSON and UBJSON copies of one model: identical IR.
  {
    auto j = LoadXgboostJson(ReadFile(fixtures + "/xgboost/binary_logistic_nan.json"));
    auto u = LoadXgboostUbj(ReadFile(fixtures + "/xgboost/binary_logistic_nan.ubj"));
    Check(j.ok() && u.ok() && SameForest(j.value(), u.value()), "JSON and UBJSON give the same IR");
  }

  // Bad input.
  const auto json = ReadFile(fixtures + "/xgboost/base_score_binary.json");
  const auto ubj = ReadFile(fixtures + "/xgboost/binary_logistic_nan.ubj");
  const auto lgb = ReadFile(fixtures + "/lightgbm/linear_tree_reg.txt");
  BadInputs("xgboost json", "xgboost_json", json);
  BadInputs("xgboost ubj", "xgboost_ubj", ubj);
  BadInputs("lightgbm text", "lightgbm_text", lgb);
  for (auto [name, bytes] : {std::pair{"lgb", &lgb}, {"ubj", &ubj}, {"json", &json}}) {
    for (std::string_view fmt : {"xgboost_json", "xgboost_ubj", "lightgbm_text"}) {
      if ((fmt == "lightgbm_text") == (std::string(name) == "lgb")) continue;
      if ((fmt == "xgboost_ubj") == (std::string(name) == "ubj") && std::string(name) != "lgb") continue;
      auto f = LoadByFormat(fmt, *bytes);
      Check(!f.ok() && f.status().code() == StatusCode::kInvalidArgument &&
                !f.status().message().empty(),
            std::string("mislabelled ") + name + " as " + std::string(fmt) + " is INVALID_ARGUMENT");
    }
  }

  // Load time of the 1000-tree model (reported, not asserted).
  {
    const auto big = ReadFile(fixtures + "/xgboost/large1000_binary.json");
    const auto t0 = std::chrono::steady_clock::now();
    auto f = LoadXgboostJson(big);
    const auto t1 = std::chrono::steady_clock::now();
    std::printf("large1000_binary.json (%zu bytes, %d trees): loaded in %.2f ms\n", big.size(),
                f.ok() ? f->NumTrees() : -1,
                std::chrono::duration<double, std::milli>(t1 - t0).count());
  }

  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
