package scan

import (
	"context"
	"strings"
	"testing"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/profile"
)

func TestCheck(t *testing.T) {
	status := func(rs []aiassure.Result) map[string]aiassure.Status {
		m := map[string]aiassure.Status{}
		for _, r := range rs {
			m[r.ID] = r.Status
		}
		return m
	}
	p, err := profile.Load("../examples/water-meter-reader/profile.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := Check(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]aiassure.Status{"scan/sw-unsafe-model-loading": aiassure.Pass, "scan/backdoor-payload": aiassure.Pass,
		"scan/sw-supply-chain": aiassure.Pass}
	if got := status(rs); len(got) != 3 || got["scan/sw-unsafe-model-loading"] != want["scan/sw-unsafe-model-loading"] ||
		got["scan/backdoor-payload"] != aiassure.Pass || got["scan/sw-supply-chain"] != aiassure.Pass {
		t.Errorf("example: %v, want %v", got, want)
	}
	bad := &profile.Profile{Path: "testdata/corpus/profile.yaml"}
	bad.Artefacts.Model = "malicious/onnx/backdoor-if.onnx"
	bad.Assets = []profile.Asset{{ID: "m", Kind: "model", Path: "malicious/torch/payload.pt"},
		{ID: "g", Kind: "model", Path: "malicious/gguf/ssti-globals.gguf"}}
	rs, err = Check(context.Background(), bad)
	if err != nil {
		t.Fatal(err)
	}
	got := status(rs)
	for _, id := range []string{"scan/sw-unsafe-model-loading", "scan/backdoor-payload", "scan/llm-supply-chain-poisoned-component"} {
		if got[id] != aiassure.Fail {
			t.Errorf("%s: %s, want fail (%v)", id, got[id], got)
		}
	}
	for _, r := range rs {
		if r.Status == aiassure.Fail && r.Reason == "" {
			t.Errorf("%s fails without a reason", r.ID)
		}
		if r.ID == "scan/sw-unsafe-model-loading" && (len(r.Controls) != 1 || !strings.Contains(r.Reason, "posix.system")) {
			t.Errorf("%s: controls %v reason %q", r.ID, r.Controls, r.Reason)
		}
	}
	if rs, _ := Check(context.Background(), &profile.Profile{}); rs != nil {
		t.Errorf("no model: %v", rs)
	}
}
