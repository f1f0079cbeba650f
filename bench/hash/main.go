// Command hashdir hashes a directory with lineage.Hash, the code behind
// "aiassure lineage hash", and prints the root digest, the bytes hashed and
// the throughput. bench/hash/run.sh uses it to compare with sha256sum.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aiassure/aiassure/lineage"
)

func main() {
	workers := flag.Int("workers", 0, "hashing workers (0: GOMAXPROCS)")
	shards := flag.Int64("shards", 0, "shard size in bytes (0: whole files)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: hashdir [-workers N] [-shards SIZE] DIR")
		os.Exit(2)
	}
	opts := lineage.HashOptions{Workers: *workers}
	if *shards > 0 {
		opts.Method, opts.ShardSize = lineage.MethodShards, *shards
	}
	start := time.Now()
	m, err := lineage.Hash(context.Background(), flag.Arg(0), opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	s := time.Since(start).Seconds()
	fmt.Printf("%s %d files %d bytes %.3f s %.0f MB/s\n", m.Digest["sha256"], m.Files, m.Size, s, float64(m.Size)/1e6/s)
}
