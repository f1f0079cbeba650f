package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/assess"
	"github.com/aiassure/aiassure/scan"
)

const scanUsage = "[-format text|json|sarif|cyclonedx] [-o FILE] [-fail-on SEVERITY] [-profile NAME,...] [-allow MODULE.NAME]... PATH..."

var scanFormats = &formatSpec{
	names: []string{"text", "json", "sarif", "cyclonedx"}, def: "text",
	alias: map[string]string{"txt": "text", "cdx": "cyclonedx"},
	exts: []extRule{
		{".sarif.json", []string{"sarif"}}, {".cdx.json", []string{"cyclonedx"}},
		{".json", []string{"json", "sarif", "cyclonedx"}}, {".sarif", []string{"sarif"}}, {".txt", []string{"text"}}, {".text", []string{"text"}},
	},
}

var scanCmd = &command{
	name: "scan", usage: scanUsage,
	summary: "look inside model files (pickle, PyTorch, joblib, NumPy, safetensors, ONNX, GGUF, Keras, SavedModel, archives) for code, traps and backdoors, without loading them",
	run:     runScan,
}

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func runScan(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	o := addOutput(fs, scanFormats, false)
	failOn := fs.String("fail-on", "", "exit 3 if any finding is at or above `SEVERITY` (info, low, medium, high, critical)")
	profiles := fs.String("profile", "default", "pickle allow-list `PROFILES`, comma-separated ("+strings.Join(scan.ProfileNames(), ", ")+")")
	var allow listFlag
	fs.Var(&allow, "allow", "also allow the pickle global `MODULE.NAME` (or PACKAGE.* for its classes); repeatable")
	noHash := fs.Bool("no-hash", false, "do not compute SHA-256 digests")
	lim := scan.DefaultLimits()
	fs.IntVar(&lim.ArchiveDepth, "max-depth", lim.ArchiveDepth, "deepest archive nesting opened")
	fs.Int64Var(&lim.MemberBytes, "max-member-bytes", lim.MemberBytes, "largest archive member or pickle analysed, in bytes")
	fs.Int64Var(&lim.TotalBytes, "max-total-bytes", lim.TotalBytes, "most bytes decompressed from one file's archives")
	fs.Int64Var(&lim.Ratio, "max-ratio", lim.Ratio, "largest compression ratio of an archive member")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("give one or more files or directories to scan\nusage: aiassure scan %s", scanUsage)
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	var level aiassure.Severity
	if *failOn != "" {
		level = aiassure.Severity(*failOn)
		if level.Rank() < 0 {
			return usagef("-fail-on: unknown severity %q (info, low, medium, high, critical)", *failOn)
		}
	}
	if lim.ArchiveDepth < 0 || lim.MemberBytes < 1 || lim.TotalBytes < 1 || lim.Ratio < 1 {
		return usagef("the -max-* limits must be positive")
	}
	al, err := scan.NewAllowList(strings.Split(*profiles, ","), allow)
	if err != nil {
		return usageError{err}
	}
	rep, err := scan.New(scan.Options{Allow: al, Limits: lim, NoHash: *noHash}).Paths(ctx, pos)
	if err != nil {
		if errors.Is(err, scan.ErrInput) {
			return usageError{err}
		}
		return err
	}
	var b bytes.Buffer
	switch format {
	case "json":
		err = scan.WriteJSON(&b, rep)
	case "sarif":
		err = scan.WriteSARIF(&b, rep, assess.Version)
	case "cyclonedx":
		var out []byte
		out, err = scan.BuildBOM(rep, assess.Version, time.Now())
		b.Write(out)
	default:
		err = scan.WriteText(&b, rep)
	}
	if err != nil {
		return err
	}
	if err := o.write(e, format, b.Bytes(), fmt.Sprintf("%d files, %d findings", len(rep.Artifacts), len(rep.Findings))); err != nil {
		return err
	}
	if level != "" {
		if n := rep.AtOrAbove(level); n > 0 {
			return findingsError{n: n, level: string(level)}
		}
	}
	return nil
}
