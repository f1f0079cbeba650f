#!/usr/bin/env bash
# Hash a generated directory with aiassure's hasher (lineage.Hash, the code
# behind "aiassure lineage hash") and with sha256sum, on one core and on all
# cores, and print the times, ratios and peak memory.
#
#   bench/hash/run.sh [SIZE_MB] [FILE_MB]      (defaults: 2048 MB in 256 MB files)
#
# The data goes to ${BENCH_DIR:-/tmp/aiassure-hash-bench} and is removed at
# the end (KEEP=1 keeps it). Every tool reads the files once before timing,
# so that all read from the page cache: this measures hashing, not the disk.
set -euo pipefail
size_mb=${1:-2048}
file_mb=${2:-256}
dir=${BENCH_DIR:-/tmp/aiassure-hash-bench}
here=$(cd "$(dirname "$0")" && pwd)
ncpu=$(nproc)
tmpbin=$(mktemp -d)
trap '[ "${KEEP:-}" = 1 ] || rm -rf "$dir"; rm -rf "$tmpbin"' EXIT
# HASHDIR names a prebuilt hashdir (for a machine without Go).
bin=${HASHDIR:-$tmpbin/hashdir}
[ -n "${HASHDIR:-}" ] || (cd "$here/../.." && CGO_ENABLED=0 go build -o "$bin" ./bench/hash)
mkdir -p "$dir/data"
n=$(( (size_mb + file_mb - 1) / file_mb ))
for i in $(seq 1 "$n"); do
	f="$dir/data/f$i.bin"
	[ -f "$f" ] && [ "$(stat -c %s "$f")" -eq $((file_mb << 20)) ] && continue
	head -c $((file_mb << 20)) /dev/urandom > "$f"
done
cat "$dir"/data/* > /dev/null

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $ncpu CPUs, $(grep -qw sha_ni /proc/cpuinfo && echo SHA-NI || echo no SHA-NI), $(go version 2>/dev/null | cut -d' ' -f3 || echo "prebuilt hasher")"
echo "data:    $n files, $((n * file_mb)) MiB in $dir"

# run LABEL CMD...: prints wall seconds and peak RSS (MB) of CMD.
run() {
	local label=$1; shift
	local out
	out=$( { /usr/bin/time -f '%e %M' "$@" > /dev/null; } 2>&1 | tail -1)
	local secs=${out% *} kb=${out#* }
	awk -v l="$label" -v s="$secs" -v kb="$kb" -v mb=$((n * file_mb)) \
		'BEGIN { printf "%-34s %7.2f s %8.0f MB/s  peak RSS %5.0f MB\n", l, s, mb * 1.048576 / s, kb / 1024 }' >&2
	echo "$secs"
}

exec 3>&1
s1=$(run "sha256sum, 1 core" sha256sum "$dir"/data/*)
a1=$(run "aiassure files, 1 worker" "$bin" -workers 1 "$dir/data")
sN=$(run "sha256sum, $ncpu parallel (xargs -P)" sh -c "ls $dir/data/* | xargs -P $ncpu -n 1 sha256sum")
aN=$(run "aiassure files, $ncpu workers" "$bin" -workers "$ncpu" "$dir/data")
aS=$(run "aiassure shards 64MiB, $ncpu workers" "$bin" -workers "$ncpu" -shards $((64 << 20)) "$dir/data")
awk -v s1="$s1" -v a1="$a1" -v sN="$sN" -v aN="$aN" -v aS="$aS" -v n="$ncpu" 'BEGIN {
	printf "ratio sha256sum/aiassure, 1 core:    %.2f (above 1: aiassure faster)\n", s1 / a1
	printf "ratio sha256sum/aiassure, %d cores:   %.2f\n", n, sN / aN
	printf "aiassure scaling 1 -> %d workers:     %.2fx (shards: %.2fx)\n", n, a1 / aN, a1 / aS
}'
