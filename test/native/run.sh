#!/usr/bin/env bash
# Builds and runs the native loader tests (not part of the addon): by default under
# AddressSanitizer and UndefinedBehaviorSanitizer; LARCH_NATIVE_TEST_OPT=1 builds optimized
# instead (for load-time figures). Usage: bash test/native/run.sh [fixtures-dir]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/native-tests
mkdir -p "$out"
srcs=(native/forest/forest_ir.cc native/forest/source_excerpt.cc native/forest/document.cc
      native/forest/json_reader.cc native/forest/ubjson_reader.cc
      native/forest/xgboost_objective.cc native/forest/xgboost_model_builder.cc
      native/forest/load_xgboost_json.cc native/forest/load_xgboost_ubj.cc
      native/forest/lightgbm_objective.cc native/forest/lightgbm_text.cc
      native/forest/load_lightgbm_text.cc)
if [ "${LARCH_NATIVE_TEST_OPT:-0}" = 1 ]; then
  flags=(-O2)
else
  flags=(-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined)
fi
${CXX:-g++} -std=c++20 -Wall -Wextra -Wno-unused-parameter "${flags[@]}" -Inative -Itest/native \
  "${srcs[@]}" test/native/loaders_test.cc -o "$out/loaders_test"
"$out/loaders_test" "${1:-test/fixtures}"
