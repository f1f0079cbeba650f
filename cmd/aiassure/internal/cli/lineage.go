package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aiassure/aiassure/internal/limitio"
	"github.com/aiassure/aiassure/internal/safetext"
	"github.com/aiassure/aiassure/lineage"
	"github.com/aiassure/aiassure/lineage/store"
	"github.com/aiassure/aiassure/profile"
)

var lineageSubs = []subcommand{
	{"hash", "[-shards SIZE] [-format manifest|oms] [-o FILE] PATH", "hash a file or directory into a manifest (OpenSSF model-signing style)"},
	{"attest", "-step data|training|evaluation|release [-key FILE] -subject PATH... [-material [ROLE=]PATH...] [-predicate FILE] [-profile FILE] [-root DIR] [-bundle] -o FILE",
		"sign an in-toto Statement of one life-cycle step in a DSSE envelope (or a Sigstore bundle)"},
	{"verify", "[-key PUB...] [-policy FILE] [-root DIR] [-format text|json] [-o FILE] ATTESTATION...|DIR",
		"verify signatures, digests on disk and a policy from source to sink (envelopes or Sigstore bundles)"},
	{"graph", "(-key PUB... ATTESTATION...|DIR | -db FILE) [-from PATH|DIGEST] [-to PATH|DIGEST] [-format text|dot|svg|json] [-o FILE]",
		"show the lineage graph, or what a data set went into, or what a model came from"},
	{"index", "-db FILE -key PUB... [-format text|json] [-o FILE] ATTESTATION...|DIR", "record verified attestations in a lineage store (SQLite)"},
	{"bom", "[-profile FILE] [-root DIR] -model PATH... [-material [ROLE=]PATH...] [-o FILE]", "write a CycloneDX 1.6 ML-BOM of models and their inputs"},
}

var lineageCmd = &command{
	name: "lineage", subs: lineageSubs,
	summary: "hash, attest, verify and trace data and models (in-toto, DSSE, CycloneDX)",
	run: func(ctx context.Context, e *env, args []string) error {
		if len(args) == 0 || isHelpFlag(args[0]) {
			return helpError{name: "lineage"}
		}
		switch args[0] {
		case "hash":
			return lineageHash(ctx, e, args[1:])
		case "attest":
			return lineageAttest(ctx, e, args[1:])
		case "verify":
			return lineageVerify(ctx, e, args[1:])
		case "graph":
			return lineageGraph(ctx, e, args[1:])
		case "bom":
			return lineageBOM(ctx, e, args[1:])
		case "index":
			return lineageIndex(ctx, e, args[1:])
		}
		return usagef("unknown sub-command %q (have %s)%s", args[0], strings.Join(subNames(lineageSubs), ", "), suggest(args[0], subNames(lineageSubs)))
	},
}

func lineageHash(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("lineage hash", flag.ContinueOnError)
	shards := fs.Int64("shards", 0, "split files into shards of `SIZE` bytes hashed in parallel (model-signing method shards); 0: whole files")
	o := addOutput(fs, hashFormats, false)
	workers := fs.Int("workers", 0, "hashing workers (default GOMAXPROCS)")
	symlinks := fs.String("symlinks", "", "symbolic links: default records in-tree links and refuses links leaving the root; skip; follow")
	var ignore stringList
	fs.Var(&ignore, "ignore", "a relative `PATH` to leave out (repeatable)")
	quiet := fs.Bool("q", false, "no progress on stderr")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one PATH")
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	opts := lineage.HashOptions{Workers: *workers, Symlinks: *symlinks, Ignore: ignore}
	if *shards > 0 {
		opts.Method, opts.ShardSize = lineage.MethodShards, *shards
	}
	if !*quiet {
		start := time.Now()
		opts.Progress = func(p lineage.Progress) {
			if time.Since(start) < time.Second && !p.Done {
				return
			}
			mb := float64(p.BytesDone) / 1e6
			fmt.Fprintf(e.stderr, "\rhashed %d/%d files, %.0f/%.0f MB (%.0f MB/s)", p.FilesDone, p.Files, mb, float64(p.Bytes)/1e6, mb/time.Since(start).Seconds())
			if p.Done {
				fmt.Fprintln(e.stderr)
			}
		}
	}
	m, err := lineage.Hash(ctx, pos[0], opts)
	if err != nil {
		if errors.Is(err, lineage.ErrUnsafePath) {
			return usageError{err}
		}
		return err
	}
	for _, n := range m.Notes {
		e.log.Info("hash", "note", n)
	}
	var b []byte
	switch format {
	case "manifest":
		b, err = m.Marshal()
	case "oms":
		b, err = json.MarshalIndent(m.Statement(), "", "  ")
		b = append(b, '\n')
	}
	if err != nil {
		return err
	}
	return o.write(e, format, b, "")
}

// writeOut writes b to the -o file path (or stdout) and says so on stderr.
func writeOut(e *env, path, format string, b []byte) error {
	return (&outputFlags{out: path}).write(e, format, b, "")
}

// materials reads "[ROLE=]PATH" values; ROLE is dataset, code,
// base-model, config or input (the default).
func materials(vals []string) ([]lineage.Material, error) {
	var out []lineage.Material
	for _, v := range vals {
		m := lineage.Material{Path: v, Role: lineage.RoleInput}
		if role, p, ok := strings.Cut(v, "="); ok {
			switch role {
			case lineage.RoleDataset, lineage.RoleCode, lineage.RoleBaseModel, lineage.RoleConfig, lineage.RoleInput:
				m.Role, m.Path = role, p
			default:
				return nil, usagef("material %q: unknown role %q (dataset, code, base-model, config, input)", v, role)
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func lineageAttest(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("lineage attest", flag.ContinueOnError)
	step := fs.String("step", "", "life-cycle step: data, training, scan (the subjects' model files scanned, see aiassure scan), evaluation or release")
	key := fs.String("key", "", "private key `FILE` (PKCS#8 PEM); default: the PEM in $"+lineage.EnvSigningKey)
	var subjects, mats, uris, params stringList
	fs.Var(&subjects, "subject", "an output `PATH` (file or directory; repeatable)")
	fs.Var(&mats, "material", "an input `[ROLE=]PATH` (repeatable); ROLE: dataset, code, base-model, config, input")
	fs.Var(&uris, "material-uri", "an input kept outside the root, `ROLE=URI=PATH`: recorded by URI and digest (repeatable)")
	fs.Var(&params, "param", "a step parameter `KEY=VALUE` (repeatable)")
	pred := fs.String("predicate", "", "evaluation: aiassure JSON report or results; release: CycloneDX BOM; data/training: JSON object of parameters; scan: none (it scans the subjects)")
	prof := fs.String("profile", "", "system profile for the release ML-BOM's model card and data sensitivity")
	root := fs.String("root", ".", "names are relative to `DIR`")
	builder := fs.String("builder", "", "builder id (who ran the step)")
	bundle := fs.Bool("bundle", false, "write a Sigstore bundle v0.3 holding the DSSE envelope (no transparency log entry) instead of the bare envelope")
	out := fs.String("o", "", "write the DSSE envelope (or bundle) to `FILE`")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("unexpected arguments %q; use -subject and -material", pos)
	}
	if len(subjects) == 0 || *step == "" {
		return usagef("give -step and at least one -subject")
	}
	opts := lineage.AttestOptions{Step: lineage.Step(*step), Root: *root, Subjects: subjects, Builder: *builder, Parameters: map[string]any{}}
	if opts.Materials, err = materials(mats); err != nil {
		return err
	}
	for _, u := range uris {
		parts := strings.SplitN(u, "=", 3)
		if len(parts) != 3 {
			return usagef("-material-uri %q: want ROLE=URI=PATH", u)
		}
		opts.Materials = append(opts.Materials, lineage.Material{Role: parts[0], URI: parts[1], Path: parts[2]})
	}
	for _, p := range params {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return usagef("-param %q: want KEY=VALUE", p)
		}
		opts.Parameters[k] = v
	}
	if *pred != "" {
		if opts.Predicate, err = limitio.ReadFile(*pred, lineage.MaxStatementSize); err != nil {
			return usageError{err}
		}
	}
	if *prof != "" {
		if opts.Profile, err = profile.Load(*prof); err != nil {
			return usageError{err}
		}
	}
	signer, err := lineage.LoadSigner(*key)
	if err != nil {
		return usageError{err}
	}
	env, st, err := lineage.Attest(ctx, opts, signer)
	if err != nil {
		return usageError{err}
	}
	var b []byte
	if *bundle {
		b, err = lineage.MarshalBundle(env)
	} else {
		b, err = env.Marshal()
	}
	if err != nil {
		return err
	}
	e.log.Info("attested", "step", *step, "subjects", len(st.Subject), "key", signer.KeyID())
	kind := "DSSE envelope"
	if *bundle {
		kind = "Sigstore bundle"
	}
	return writeOut(e, *out, kind, b)
}

func loadVerifiers(keys []string) ([]*lineage.Verifier, error) {
	var vs []*lineage.Verifier
	for _, k := range keys {
		v, err := lineage.LoadVerifier(k)
		if err != nil {
			return nil, usageError{err}
		}
		vs = append(vs, v)
	}
	return vs, nil
}

func lineageVerify(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("lineage verify", flag.ContinueOnError)
	var keys stringList
	fs.Var(&keys, "key", "a trusted public key `FILE` (repeatable)")
	pol := fs.String("policy", "", "verification policy `FILE` (YAML, docs/lineage.md)")
	root := fs.String("root", ".", "attested names are relative to `DIR`")
	allowOutside := fs.Bool("allow-outside-paths", false, allowOutsideUsage)
	o := addOutput(fs, textJSON, false)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("name attestation files or a directory")
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	vs, err := loadVerifiers(keys)
	if err != nil {
		return err
	}
	opts := lineage.VerifyOptions{Root: *root, Keys: vs, AllowOutsidePaths: *allowOutside}
	if *pol != "" {
		if opts.Policy, err = lineage.LoadPolicy(*pol); err != nil {
			return usageError{err}
		}
		opts.Policy.AllowOutsidePaths = *allowOutside
	}
	if len(vs) == 0 && (opts.Policy == nil || len(opts.Policy.Keys) == 0) {
		return usagef("give at least one -key or a policy with keys")
	}
	inputs, err := lineage.LoadInputs(pos)
	if err != nil {
		return usageError{err}
	}
	rep, err := lineage.Verify(ctx, inputs, opts)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	switch format {
	case "json":
		type prob struct {
			Kind string `json:"kind"`
			*lineage.Problem
		}
		type att struct {
			File string       `json:"file"`
			Step lineage.Step `json:"step"`
			Key  string       `json:"key_id"`
			Time time.Time    `json:"time,omitzero"`
		}
		var out struct {
			OK           bool   `json:"ok"`
			Attestations []att  `json:"attestations"`
			Problems     []prob `json:"problems"`
			Files        int    `json:"files_checked"`
		}
		out.OK, out.Files = len(rep.Problems) == 0, len(rep.Disk)
		out.Attestations, out.Problems = []att{}, []prob{}
		for _, a := range rep.Attestations {
			out.Attestations = append(out.Attestations, att{a.File, a.Step, a.KeyID, a.Time})
		}
		for _, p := range rep.Problems {
			out.Problems = append(out.Problems, prob{p.KindName(), p})
		}
		if err := writeJSON(&buf, out); err != nil {
			return err
		}
	case "text":
		t := &table{}
		for _, a := range rep.Attestations {
			t.add("ok", string(a.Step), fmt.Sprintf("%s (key %.16s)", a.File, a.KeyID))
		}
		for _, p := range rep.Problems {
			t.add("FAIL", "", p.Error())
		}
		t.write(&buf, o.width(e))
		fmt.Fprintf(&buf, "%d attestation(s) verified, %d file(s) checked, %d problem(s)\n", len(rep.Attestations), len(rep.Disk), len(rep.Problems))
	}
	if err := o.write(e, format, buf.Bytes(), fmt.Sprintf("%d problem(s)", len(rep.Problems))); err != nil {
		return err
	}
	if len(rep.Problems) > 0 {
		return findingsError{n: len(rep.Problems), level: "failure (lineage verification)"}
	}
	return nil
}

func lineageGraph(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("lineage graph", flag.ContinueOnError)
	var keys stringList
	fs.Var(&keys, "key", "a trusted public key `FILE` (repeatable); only verified attestations enter the graph")
	from := fs.String("from", "", "show what was made from this `PATH|DIGEST` (which models used this data set)")
	to := fs.String("to", "", "show what this `PATH|DIGEST` came from (default: every final output)")
	o := addOutput(fs, graphFormats, false)
	db := fs.String("db", "", "answer from the lineage store `FILE` (made by lineage index) instead of attestation files")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	if *from != "" && *to != "" {
		return usagef("give -from or -to, not both")
	}
	ref, forward := *to, false
	if *from != "" {
		ref, forward = *from, true
	}
	var g *lineage.Graph
	var roots []*lineage.Node
	if *db != "" {
		if len(pos) != 0 || len(keys) != 0 {
			return usagef("with -db, give no -key or attestations (add them with lineage index)")
		}
		if g, roots, err = graphFromStore(ctx, *db, ref, forward); err != nil {
			return err
		}
	} else {
		if len(pos) == 0 || len(keys) == 0 {
			return usagef("give -key and attestation files or a directory, or -db")
		}
		vs, err := loadVerifiers(keys)
		if err != nil {
			return err
		}
		inputs, err := lineage.LoadInputs(pos)
		if err != nil {
			return usageError{err}
		}
		var atts []*lineage.Attestation
		for _, in := range inputs {
			a, err := lineage.VerifyEnvelope(in, vs)
			if err != nil {
				fmt.Fprintf(e.stderr, "skipped %s: %s\n", safetext.Escape(in.Name), safetext.Escape(err.Error()))
				continue
			}
			atts = append(atts, a)
		}
		g = lineage.BuildGraph(atts)
		roots = g.Sinks()
		if ref != "" {
			roots = g.Find(ref)
			if len(roots) == 0 {
				return usagef("no attested artefact is named %q or has that digest", ref)
			}
			if forward {
				g = g.Descendants(roots...)
			} else {
				g = g.Ancestors(roots...)
			}
		}
	}
	w, done, err := o.open(e)
	if err != nil {
		return err
	}
	switch format {
	case "text":
		err = g.WriteText(w, roots, forward)
		if err == nil && forward {
			var models []string
			for _, m := range g.Models() {
				models = append(models, strings.Join(m.Names, ", "))
			}
			_, err = fmt.Fprintf(w, "models made from it: %s\n", orNone(models))
		}
	case "dot":
		err = g.WriteDOT(w)
	case "svg":
		title := "lineage graph"
		if *from != "" {
			title = "what was made from " + *from
		} else if *to != "" {
			title = "what " + *to + " came from"
		}
		err = g.WriteSVG(w, title)
	case "json":
		err = g.WriteJSON(w)
	}
	if err != nil {
		done()
		return err
	}
	if err := done(); err != nil {
		return err
	}
	o.wrote(e, format, fmt.Sprintf("%d nodes", len(g.Nodes)))
	return nil
}

// graphFromStore answers a graph query from the lineage store: the whole
// graph with its final outputs as roots, or what ref came from (made from,
// with forward) through a recursive query.
func graphFromStore(ctx context.Context, path, ref string, forward bool) (*lineage.Graph, []*lineage.Node, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, nil, usageError{fmt.Errorf("%w (make it with lineage index)", err)}
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		return nil, nil, usageError{err}
	}
	defer st.Close()
	if ref == "" {
		g, err := st.Graph(ctx)
		if err != nil {
			return nil, nil, err
		}
		return g, g.Sinks(), nil
	}
	ids, err := st.Find(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	if len(ids) == 0 {
		return nil, nil, usagef("no indexed artefact is named %q or has that digest", ref)
	}
	var g *lineage.Graph
	if forward {
		g, err = st.Descendants(ctx, ids)
	} else {
		g, err = st.Ancestors(ctx, ids)
	}
	if err != nil {
		return nil, nil, err
	}
	start := map[string]bool{}
	for _, id := range ids {
		start[id] = true
	}
	var roots []*lineage.Node
	for _, n := range g.Nodes {
		if start[n.ID] {
			roots = append(roots, n)
		}
	}
	return g, roots, nil
}

func lineageIndex(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("lineage index", flag.ContinueOnError)
	var keys stringList
	fs.Var(&keys, "key", "a trusted public key `FILE` (repeatable); only attestations that verify are recorded")
	db := fs.String("db", "", "the lineage store `FILE` (SQLite; created if absent)")
	o := addOutput(fs, textJSON, false)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *db == "" || len(keys) == 0 || len(pos) == 0 {
		return usagef("give -db, -key and attestation files or a directory")
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	vs, err := loadVerifiers(keys)
	if err != nil {
		return err
	}
	inputs, err := lineage.LoadInputs(pos)
	if err != nil {
		return usageError{err}
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return usageError{err}
	}
	defer st.Close()
	outcomes, err := st.Index(ctx, inputs, vs)
	if err != nil {
		return err
	}
	type outcome struct {
		File   string       `json:"file"`
		Step   lineage.Step `json:"step,omitempty"`
		Status string       `json:"status"` // added, known, failed
		Error  string       `json:"error,omitempty"`
	}
	var all []outcome
	added, known, failed := 0, 0, 0
	t := &table{}
	for _, oc := range outcomes {
		switch {
		case oc.Err != nil:
			failed++
			all = append(all, outcome{oc.Name, oc.Step, "failed", oc.Err.Error()})
			t.add("FAIL", "", fmt.Sprintf("%s: %v", oc.Name, oc.Err))
		case oc.New:
			added++
			all = append(all, outcome{oc.Name, oc.Step, "added", ""})
			t.add("added", string(oc.Step), oc.Name)
		default:
			known++
			all = append(all, outcome{oc.Name, oc.Step, "known", ""})
			t.add("known", string(oc.Step), oc.Name)
		}
	}
	var buf bytes.Buffer
	if format == "json" {
		if all == nil {
			all = []outcome{}
		}
		err = writeJSON(&buf, map[string]any{"db": *db, "added": added, "known": known, "failed": failed, "attestations": all})
	} else {
		t.write(&buf, o.width(e))
		fmt.Fprintf(&buf, "%d added, %d already indexed, %d not verified (not recorded)\n", added, known, failed)
	}
	if err != nil {
		return err
	}
	if err := o.write(e, format, buf.Bytes(), fmt.Sprintf("%d added", added)); err != nil {
		return err
	}
	if failed > 0 {
		return findingsError{n: failed, level: "failure (lineage index: attestations that do not verify)"}
	}
	return nil
}

func orNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, "; ")
}

func lineageBOM(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("lineage bom", flag.ContinueOnError)
	prof := fs.String("profile", "", "system profile for the model card and data sensitivity")
	root := fs.String("root", ".", "names are relative to `DIR`")
	var models, mats stringList
	fs.Var(&models, "model", "a model `PATH` (repeatable)")
	fs.Var(&mats, "material", "a data set or other input `[ROLE=]PATH` (repeatable)")
	o := addOutput(fs, bomFormats, false)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || len(models) == 0 {
		return usagef("give at least one -model")
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	in := lineage.BOMInput{Time: time.Now().UTC()}
	if *prof != "" {
		if in.Profile, err = profile.Load(*prof); err != nil {
			return usageError{err}
		}
	}
	for _, m := range models {
		rds, err := lineage.Describe(ctx, *root, m, "", lineage.HashOptions{})
		if err != nil {
			return usageError{err}
		}
		in.Models = append(in.Models, rds...)
	}
	ms, err := materials(mats)
	if err != nil {
		return err
	}
	for _, m := range ms {
		rds, err := lineage.Describe(ctx, *root, m.Path, m.Role, lineage.HashOptions{})
		if err != nil {
			return usageError{err}
		}
		in.Materials = append(in.Materials, rds...)
	}
	b, err := lineage.BuildBOM(in)
	if err != nil {
		return err
	}
	return o.write(e, format, append(b, '\n'), fmt.Sprintf("%d models, %d materials", len(in.Models), len(in.Materials)))
}
