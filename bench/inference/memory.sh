#!/usr/bin/env bash
# Peak memory of "aiassure predict" on a generated CSV of 64 features (the
# digits MLP's input), for two data sizes and two batch sizes: it should grow
# with the batch, not with the data set.
#
#   bench/inference/memory.sh [SMALL_ROWS] [LARGE_ROWS] [SMALL_BATCH] [LARGE_BATCH]
#                             (defaults: 20000 200000 256 65536)
#
# The CSVs go to ${BENCH_DIR:-/tmp/aiassure-predict-mem} and are kept for
# reruns (remove the directory when done). Prints rows, file size, batch,
# wall time and the maximum resident set size from /usr/bin/time -v.
set -euo pipefail
small=${1:-20000} large=${2:-200000}
b1=${3:-256} b2=${4:-65536}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=${BENCH_DIR:-/tmp/aiassure-predict-mem}
mkdir -p "$dir"
bin=$dir/aiassure
(cd "$root" && CGO_ENABLED=0 go build -o "$bin" ./cmd/aiassure)

# gen ROWS FILE: 64 pixel columns in [0, 1] (multiples of 1/16, as in the
# digits data) and a label, from a fixed seed.
gen() {
	[ -s "$2" ] && [ "$(wc -l < "$2")" -eq $(($1 + 1)) ] && return
	awk -v n="$1" 'BEGIN {
		srand(1)
		for (j = 0; j < 64; j++) printf "p%d,", j
		print "label"
		for (i = 0; i < n; i++) {
			for (j = 0; j < 64; j++) printf "%g,", int(rand() * 17) / 16
			print int(rand() * 10)
		}
	}' > "$2.tmp" && mv "$2.tmp" "$2"
}
gen "$small" "$dir/small.csv"
gen "$large" "$dir/large.csv"

printf '%-9s %8s %7s %8s %13s\n' rows "CSV MB" batch "wall s" "max RSS MB"
for f in small large; do
	for b in "$b1" "$b2"; do
		log=$dir/time.log
		/usr/bin/time -v "$bin" predict -model "$root/examples/border-biometrics/model/mlp.onnx" \
			-data "$dir/$f.csv" -batch "$b" -o /dev/null 2> "$log"
		rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
		wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")
		printf '%-9s %8.1f %7s %8s %13.1f\n' "$(($(wc -l < "$dir/$f.csv") - 1))" \
			"$(echo "$(stat -c %s "$dir/$f.csv") / 1048576" | bc -l)" "$b" "$wall" "$(echo "$rss / 1024" | bc -l)"
	done
done
