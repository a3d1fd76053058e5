#!/usr/bin/env bash
# Builds and runs one libFuzzer target for a while.
#   test/fuzz/run.sh <target> [seconds=60] [extra libFuzzer flags...]
#   npm run fuzz -- treelite_checkpoint 300
# A target is test/fuzz/<target>_fuzzer.cc; its seed corpus is every file matched by the globs
# in test/fuzz/<target>.seeds. The target links every plain C++ file of native/forest,
# native/common and native/protocol (no N-API). Needs Debian's clang 14 with libFuzzer (libclang-rt-14-dev).
# Output goes to build/fuzz/: the binary, the growing corpus (corpus-<target>/) and any crash
# reproducer (crash-*), which the target replays with: build/fuzz/<target> <crash-file>.
set -euo pipefail
cd "$(dirname "$0")/../.."

target="${1:-}"
if [ -z "$target" ] || [ ! -f "test/fuzz/${target}_fuzzer.cc" ]; then
  echo "usage: test/fuzz/run.sh <target> [seconds] [libFuzzer flags]" >&2
  echo "targets:" $(ls test/fuzz/*_fuzzer.cc 2>/dev/null | sed 's|test/fuzz/||; s|_fuzzer.cc||') >&2
  exit 2
fi
seconds="${2:-60}"
shift $(( $# >= 2 ? 2 : 1 ))

CXX="${FUZZ_CXX:-clang++}"
out=build/fuzz
mkdir -p "$out/corpus-$target"
sources=$(ls native/forest/*.cc native/common/*.cc native/protocol/*.cc 2>/dev/null || true)
echo "[fuzz] building $out/$target with $CXX" >&2
"$CXX" -std=c++20 -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Inative -Itest/fuzz "test/fuzz/${target}_fuzzer.cc" $sources -o "$out/$target" -pthread

if [ -f "test/fuzz/$target.seeds" ]; then
  while read -r glob; do
    [ -z "$glob" ] && continue
    for f in $glob; do [ -f "$f" ] && cp -n "$f" "$out/corpus-$target/" || true; done
  done < "test/fuzz/$target.seeds"
fi

echo "[fuzz] running $target for ${seconds}s" >&2
exec "$out/$target" "$out/corpus-$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
  -max_len=1048576 -artifact_prefix="$out/" -print_final_stats=1 "$@"
