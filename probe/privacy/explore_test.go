package privacy

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"
)

func TestExplore(t *testing.T) {
	for _, f := range []string{"overfit.onnx", "regularised.onnx", "outside.onnx"} {
		in := testInput(t, f)
		in.Config = Config{References: 8, Resamples: 200, Budget: 400, InversionRecords: 400}
		st := time.Now()
		rep, err := Run(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s %v output %v queries %d", f, time.Since(st), rep.Output, rep.Queries)
		for _, m := range rep.Membership {
			t.Logf("  %-10s auc %.3f [%.3f %.3f] tpr1%% %.3f [%.3f %.3f] tpr0.1%% %.3f", m.Attack, m.ROC.AUC, m.ROC.AUCCI.Lo, m.ROC.AUCCI.Hi, m.ROC.TPR01, m.ROC.TPR01CI.Lo, m.ROC.TPR01CI.Hi, m.ROC.TPR001)
		}
		for _, e := range rep.Extraction {
			for _, p := range e.Points {
				t.Logf("  ext %s %s %d fid %.3f acc %.3f", e.Mode, p.Substitute, p.Queries, p.Fidelity, p.Accuracy)
			}
		}
		b, _ := json.Marshal(rep.Inversion)
		t.Logf("  inv %s skipped %v", b, rep.Skipped)
		_ = os.Stdout
	}
}
