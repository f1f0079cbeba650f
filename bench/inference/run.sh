#!/usr/bin/env bash
# Run the same batch inference on the same inputs in aiassure (model/onnx, one
# thread) and in ONNX Runtime (npm onnxruntime-node 1.30.0, one thread,
# sequential), on the example models at batch 1 and 256, and print samples/s,
# the ratio aiassure/ORT, and the largest output difference (must be <= 1e-5).
#
#   bench/inference/run.sh             (RUNS=3 REPS=5 REP_MS=300 by default)
#
# ONNX Runtime is installed once into ${ORT_DIR:-/tmp/aiassure-bench-ort},
# outside the repository (nothing is installed into the repository). Both
# runtimes are pinned to CPU 0 with taskset when it is available; RUNS
# alternating runs of each are made and the table gives the median of all
# repetitions. Intermediate files go to a temporary directory (KEEP=1 keeps it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ort_dir=${ORT_DIR:-/tmp/aiassure-bench-ort}
runs=${RUNS:-3}
export REPS=${REPS:-5} REP_MS=${REP_MS:-300}

mkdir -p "$ort_dir"
ort_dir=$(cd "$ort_dir" && pwd -P)
case "$ort_dir/" in "$(cd "$root" && pwd -P)/"*)
	echo "run.sh: ORT_DIR must be outside the repository" >&2; exit 2 ;;
esac
if [ "$(node -p "require('$ort_dir/node_modules/onnxruntime-node/package.json').version" 2>/dev/null)" != 1.30.0 ]; then
	echo "installing onnxruntime-node@1.30.0 into $ort_dir" >&2
	[ -f "$ort_dir/package.json" ] || echo '{"private": true}' > "$ort_dir/package.json"
	# The skip variable stops the install script from fetching CUDA extras.
	(cd "$ort_dir" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund onnxruntime-node@1.30.0 >&2)
fi

work=$(mktemp -d)
trap '[ "${KEEP:-}" = 1 ] && echo "kept $work" >&2 || rm -rf "$work"' EXIT
# INFERBENCH names a prebuilt inferbench (for a machine without Go).
bin=${INFERBENCH:-$work/inferbench}
[ -n "${INFERBENCH:-}" ] || (cd "$root" && CGO_ENABLED=0 go build -o "$bin" ./bench/inference)
pin=()
if command -v taskset > /dev/null && taskset -c 0 true 2> /dev/null; then pin=(taskset -c 0); fi

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), nproc $(nproc), $(go version 2> /dev/null | cut -d' ' -f3 || echo "prebuilt inferbench"), node $(node --version), onnxruntime-node 1.30.0, ${pin[*]:-not pinned}, load $(cut -d' ' -f1-3 /proc/loadavg)"
for k in $(seq 1 "$runs"); do
	(cd "$root" && "${pin[@]}" "$bin" -dir "$work" -run "$k" -reps "$REPS" -rep "${REP_MS}ms")
	ORT_DIR=$ort_dir "${pin[@]}" node "$here/ort.mjs" "$work" "$k"
done
"$bin" -dir "$work" -report
