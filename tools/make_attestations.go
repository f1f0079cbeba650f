//go:build ignore

// make_attestations signs the lineage attestations of the example systems
// (examples/*/attestations) with fresh keys whose public halves go to
// examples/*/keys, together with a verification policy. The private keys
// live in a temporary directory and are deleted at the end: re-running the
// script replaces keys and attestations. Run from the repository root, for
// every example or for the ones named:
//
//	go run tools/make_attestations.go [examples/NAME ...]
//
// The models are the example's model/*.onnx files and any model/*.joblib
// file (a scikit-learn model that is not ONNX); their metrics come from
// model/expected.json ("models", and "models_not_onnx" for the others), and
// its "training_parameters", if any, go into the training attestation.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/lineage"
	"github.com/aiassure/aiassure/profile"
)

// codeBase and codeURI say where the scripts that made the examples' data and
// models live.
const (
	codeBase = "https://github.com/aiassure/aiassure/blob/main/"
	codeURI  = codeBase + "tools/make_examples.py"
)

// trainingData lists, per example, the data sets on disk that the models were
// trained on. The other examples were trained on scikit-learn's bundled data
// sets, which are not in the example directory; their training attestation
// says so in its parameters.
var trainingData = map[string][]string{
	"credit-scoring":     {"data/credit-g.arff"},
	"federated-diabetes": {"data/diabetes.arff", "data/sites.json"},
}

// exampleCode lists, per example, the scripts beside make_examples.py that
// made its data and models.
var exampleCode = map[string][]string{
	"federated-diabetes": {"tools/example_federated.py"},
	"water-meter-reader": {"tools/example_meter.py"},
}

// modelFiles are the patterns of the files under model/ that are models.
var modelFiles = []string{"*.onnx", "*.joblib"}

func main() {
	if err := run(context.Background()); err != nil {
		slog.Error("make_attestations", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	dirs, err := filepath.Glob("examples/*/profile.yaml")
	if err != nil {
		return err
	}
	if len(os.Args) > 1 {
		dirs = nil
		for _, a := range os.Args[1:] {
			pf := filepath.Join(filepath.Clean(a), "profile.yaml")
			if _, err := os.Stat(pf); err != nil {
				return fmt.Errorf("%s: not an example directory: %w", a, err)
			}
			dirs = append(dirs, pf)
		}
	}
	tmp, err := os.MkdirTemp("", "aiassure-example-keys-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	now := time.Now().UTC().Truncate(time.Second)
	for _, pf := range dirs {
		if err := example(ctx, filepath.Dir(pf), tmp, now); err != nil {
			return fmt.Errorf("%s: %w", filepath.Dir(pf), err)
		}
	}
	return nil
}

func example(ctx context.Context, dir, tmp string, now time.Time) error {
	name := filepath.Base(dir)
	p, err := profile.Load(filepath.Join(dir, "profile.yaml"))
	if err != nil {
		return err
	}
	attDir, keyDir := filepath.Join(dir, "attestations"), filepath.Join(dir, "keys")
	for _, d := range []string{attDir, keyDir} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	signers := map[string]*lineage.Signer{}
	for role, typ := range map[string]string{"data-steward": lineage.KeyEd25519, "ml-team": lineage.KeyECDSAP256} {
		s, err := lineage.GenerateKey(typ)
		if err != nil {
			return err
		}
		if _, _, err := lineage.WriteKeyPair(s, filepath.Join(tmp, name+"-"+role)); err != nil {
			return err
		}
		pub, err := s.Verifier().MarshalPublicKey()
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(keyDir, role+".pub"), pub, 0o644); err != nil {
			return err
		}
		signers[role] = s
	}
	var modelNames []string
	for _, pat := range modelFiles {
		models, err := filepath.Glob(filepath.Join(dir, "model", pat))
		if err != nil {
			return err
		}
		for _, m := range models {
			modelNames = append(modelNames, "model/"+filepath.Base(m))
		}
	}
	sort.Strings(modelNames)
	code := []lineage.Material{{Role: lineage.RoleCode, URI: codeURI, Path: "tools/make_examples.py"}}
	for _, c := range exampleCode[name] {
		code = append(code, lineage.Material{Role: lineage.RoleCode, URI: codeBase + c, Path: c})
	}
	sign := func(file string, opts lineage.AttestOptions, who string) error {
		opts.Root, opts.Builder = dir, "https://github.com/aiassure/aiassure/tools/make_attestations.go"
		env, _, err := lineage.Attest(ctx, opts, signers[who])
		if err != nil {
			return err
		}
		b, err := env.Marshal()
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(attDir, file), b, 0o644)
	}
	// Data: the example's data directory, made by make_examples.py.
	if err := sign("1-data.dsse.json", lineage.AttestOptions{Step: lineage.StepData, Subjects: []string{"data"},
		Materials: code, Finished: now,
		Parameters: map[string]any{"script": "tools/make_examples.py", "note": "collected from public data sets and split; see README.md"}}, "data-steward"); err != nil {
		return err
	}
	// Training: the models, from the training data on disk (if any), the feature sheet and the code.
	train := append([]lineage.Material{{Path: "data/features.json", Role: lineage.RoleConfig}}, code...)
	for _, d := range trainingData[name] {
		train = append(train, lineage.Material{Path: d, Role: lineage.RoleDataset})
	}
	expected, err := os.ReadFile(filepath.Join(dir, "model", "expected.json"))
	if err != nil {
		return err
	}
	params := map[string]any{"script": "tools/make_examples.py"}
	if len(trainingData[name]) == 0 {
		params["training_data"] = "a scikit-learn bundled data set (not in the example directory); see README.md"
	}
	var extra struct {
		Training map[string]any `json:"training_parameters"`
	}
	if err := json.Unmarshal(expected, &extra); err != nil {
		return fmt.Errorf("model/expected.json: %w", err)
	}
	for k, v := range extra.Training {
		params[k] = v
	}
	if err := sign("2-training.dsse.json", lineage.AttestOptions{Step: lineage.StepTraining, Subjects: modelNames,
		Materials: train, Parameters: params, Finished: now}, "ml-team"); err != nil {
		return err
	}
	// Scan: every model file, scanned for code, traps and backdoors by the
	// scanner itself when the attestation is made.
	if err := sign("2-scan.dsse.json", lineage.AttestOptions{Step: lineage.StepScan, Subjects: modelNames, Finished: now}, "ml-team"); err != nil {
		return err
	}
	// Evaluation: per model, the metrics make_examples.py measured on the
	// test split, compared with the levels the profile declares.
	for i, m := range modelNames {
		res, err := evaluation(expected, filepath.Base(m), p)
		if err != nil {
			return err
		}
		b, _ := json.Marshal(res)
		if err := sign(fmt.Sprintf("3-evaluation-%d-%s.dsse.json", i+1, strings.TrimSuffix(filepath.Base(m), filepath.Ext(m))), lineage.AttestOptions{
			Step: lineage.StepEvaluation, Subjects: []string{m}, Predicate: b, Finished: now,
			Materials: []lineage.Material{{Path: "data/test.csv", Role: lineage.RoleDataset}}}, "ml-team"); err != nil {
			return err
		}
	}
	// Release: every model, with the ML-BOM.
	rel := []lineage.Material{{Path: "data/test.csv", Role: lineage.RoleDataset}}
	for _, d := range trainingData[name] {
		rel = append(rel, lineage.Material{Path: d, Role: lineage.RoleDataset})
	}
	if err := sign("4-release.dsse.json", lineage.AttestOptions{Step: lineage.StepRelease, Subjects: modelNames,
		Materials: rel, Profile: p, Finished: now}, "ml-team"); err != nil {
		return err
	}
	sink := p.Artefacts.Model
	if sink == "" {
		sink = modelNames[0]
	}
	datasets := ""
	if len(trainingData[name]) > 0 {
		datasets = ", datasets_from: data"
	}
	pol := fmt.Sprintf(`# Verification policy of the example's lineage (docs/lineage.md).
# Made by tools/make_attestations.go; the evaluation must be at most two years old.
version: 1
model: %s
keys:
  - {name: data-steward, file: data-steward.pub}
  - {name: ml-team, file: ml-team.pub}
steps:
  data: {required: true, signers: [data-steward]}
  training: {required: true, signers: [ml-team]%s}
  scan: {required: true, signers: [ml-team], max_severity: medium}
  evaluation: {required: true, signers: [ml-team], max_age: 730d}
  release: {required: true, signers: [ml-team]}
`, sink, datasets)
	if err := os.WriteFile(filepath.Join(keyDir, "policy.yaml"), []byte(pol), 0o644); err != nil {
		return err
	}
	fmt.Printf("%s: %d models attested\n", dir, len(modelNames))
	return nil
}

// lowerIsBetter lists metrics where a smaller value is better.
var lowerIsBetter = map[string]bool{"fpr": true, "fnr": true, "log_loss": true}

// evaluation turns one model's measured metrics into results: one per
// declared performance level the metrics can be compared with.
func evaluation(expected []byte, model string, p *profile.Profile) ([]aiassure.Result, error) {
	type entry struct {
		Metrics map[string]any `json:"metrics"`
	}
	var e struct {
		Models map[string]entry `json:"models"`
		Other  map[string]entry `json:"models_not_onnx"`
	}
	if err := json.Unmarshal(expected, &e); err != nil {
		return nil, err
	}
	m, ok := e.Models[model]
	if !ok {
		m, ok = e.Other[model]
	}
	if !ok {
		return nil, fmt.Errorf("expected.json has no model %s", model)
	}
	var out []aiassure.Result
	for _, d := range p.Performance {
		if d.Class != "" {
			continue
		}
		v, ok := m.Metrics[d.Metric].(float64)
		if !ok {
			continue
		}
		st := aiassure.Pass
		if lowerIsBetter[d.Metric] && v > d.Value || !lowerIsBetter[d.Metric] && v < d.Value {
			st = aiassure.Fail
		}
		out = append(out, aiassure.Result{
			ID: "metrics/" + d.Metric, Check: "make_examples.py (scikit-learn metrics on data/test.csv)", Status: st,
			Summary: fmt.Sprintf("%s %.4f measured, %.4f declared", d.Metric, v, d.Value),
			Metrics: map[string]float64{d.Metric: v, "declared": d.Value},
		})
	}
	if len(out) == 0 {
		out = append(out, aiassure.Result{ID: "metrics/declared", Check: "make_examples.py", Status: aiassure.Unknown,
			Summary: "no declared overall performance level to compare the measured metrics with"})
	}
	return out, nil
}
