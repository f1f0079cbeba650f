package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/probe"
	"github.com/aiassure/aiassure/probe/poisoning"
)

// loadPoisoning reads the training set of the poisoning suite: train (the
// -train file, else -members), or with the suite alone the -data file; nil
// when the plan leaves the suite out or none is given.
func loadPoisoning(ctx context.Context, pl probe.Plan, opt dataset.Options, train, data string, alone bool) (*probe.PoisoningData, error) {
	if !pl.Has(probe.SuitePoisoning) {
		return nil, nil
	}
	if train == "" && alone {
		train = data
	}
	if train == "" {
		return nil, nil
	}
	ds, err := dataset.Load(ctx, train, opt)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, usageError{err}
	}
	return &probe.PoisoningData{Train: ds, Evidence: []string{train}}, nil
}

// loadSuspect adds the inputs STRIP screens to the poisoning data. The file
// has the columns of -data; its labels are not used.
func loadSuspect(ctx context.Context, pd *probe.PoisoningData, opt dataset.Options, path string) (*probe.PoisoningData, error) {
	ds, err := dataset.Load(ctx, path, opt)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, usageError{fmt.Errorf("-suspect: %w", err)}
	}
	if pd == nil {
		pd = &probe.PoisoningData{}
	}
	pd.Suspect, pd.SuspectEvidence = ds, []string{path}
	return pd, nil
}

// maxTextSuspects is how many suspects of each check the text output
// lists; the JSON output has them all.
const maxTextSuspects = 10

// writePoisoningText prints, for each check of the training-data scan, how
// many rows it flagged and the most suspicious ones with the reason.
func writePoisoningText(w io.Writer, rep *probe.PoisoningReport, width int) {
	r := rep.Training
	if r == nil {
		return
	}
	fmt.Fprintln(w)
	wrapList(w, "", strings.Fields(fmt.Sprintf("TRAINING DATA (%d rows, %d features, %d classes; the reference models agree with %.1f%% of the labels out of fold; rows 0-based in file order, the highest scores first)",
		r.Rows, r.Features, r.Classes, 100*r.Agreement)), " ", "  ", width)
	for _, c := range r.Counts {
		wrapList(w, "", strings.Fields(fmt.Sprintf("%s: %d of %d rows (%.1f%%)", c.Check, c.Rows, r.Rows, 100*float64(c.Rows)/float64(max(r.Rows, 1)))), " ", "  ", width)
		s := poisoning.Top(r.Suspects, c.Check, -1)
		for i, x := range s {
			if i == maxTextSuspects {
				wrapList(w, "  ", strings.Fields(fmt.Sprintf("... and %d more (-format json lists them all)", len(s)-i)), " ", "    ", width)
				break
			}
			wrapList(w, fmt.Sprintf("  row %d  %.3g  ", x.Row, x.Score), strings.Fields(x.Reason), " ", "    ", width)
		}
	}
}
