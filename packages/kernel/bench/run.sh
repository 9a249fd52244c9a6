#!/usr/bin/env bash
# Build @curio/kernel, run the benchmark suite RUNS times (default 1) on Node 20 and on
# Node 24, and print the median tables. Extra arguments go to run.mjs (e.g. --quick).
#   bash bench/run.sh                 # one run per Node version (~1 min each)
#   RUNS=3 bash bench/run.sh          # what the README table reports
#   NODE20=/path/node NODE24=/path/node bash bench/run.sh
#   BENCH_CPU=0 bash bench/run.sh       # pin to another vCPU (BENCH_CPU=none: no pinning)
# Raw JSON of every run is kept in $BENCH_OUT (default: a fresh temporary directory).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pkg=$(dirname "$here")
root=$(cd "$pkg/../.." && pwd)
RUNS=${RUNS:-1}
NODE20=${NODE20:-$(command -v node)}
NODE24=${NODE24:-$root/.ci/cache/node24/bin/node}
out=${BENCH_OUT:-$(mktemp -d -t curio-bench.XXXXXX)}
mkdir -p "$out"
# Every implementation's process on the same vCPU (BENCH_CPU, default 1; BENCH_CPU=none to
# let the OS place them): this VM's vCPUs differ in speed, and a process tends to stay on the
# one it started on, which skews ratios measured side by side.
pin=""
if [ "${BENCH_CPU:-1}" != none ] && command -v taskset >/dev/null; then
  pin="taskset -c ${BENCH_CPU:-1}"
fi

"$root/node_modules/.bin/tsc" -b "$pkg"

for bin in "$NODE20" "$NODE24"; do
  if [ ! -x "$bin" ]; then
    echo "skipping $bin: not found (set NODE20 / NODE24)" >&2
    continue
  fi
  major=$("$bin" -p 'process.versions.node.split(".")[0]')
  for i in $(seq 1 "$RUNS"); do
    echo "== Node $("$bin" --version), run $i of $RUNS" >&2
    $pin "$bin" --expose-gc "$here/run.mjs" --json "$out/node$major-$i.json" "$@" >&2
  done
done

echo "raw results: $out" >&2
node "$here/aggregate.mjs" "$out"/*.json
