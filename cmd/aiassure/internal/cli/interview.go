package cli

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure/classify"
	"github.com/aiassure/aiassure/internal/safetext"
	"github.com/aiassure/aiassure/internal/yamlx"
	"github.com/aiassure/aiassure/profile"
)

// classifyMode returns "interview" or "questions" when args, before the
// first argument that is not a flag, ask for one of the classify modes that
// do not classify.
func classifyMode(args []string) string {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") || a == "--" {
			return ""
		}
		switch strings.TrimLeft(a, "-") {
		case "interview", "interview=true":
			return "interview"
		case "questions", "questions=true":
			return "questions"
		}
	}
	return ""
}

// classifyQuestions prints the questionnaire.
func classifyQuestions(e *env, args []string) error {
	fs := flag.NewFlagSet("classify -questions", flag.ContinueOnError)
	fs.Bool("questions", true, "print the classification questionnaire")
	o := addOutput(fs, textJSON, true)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("-questions takes no profile, got %d arguments", len(pos))
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	qs, err := classify.Questions()
	if err != nil {
		return err
	}
	w, closeOut, err := o.open(e)
	if err != nil {
		return err
	}
	if format == "json" {
		err = writeJSON(w, qs)
	} else {
		bw := &errWriter{w: w}
		section := ""
		for _, q := range qs.Questions {
			if q.Section != section {
				section = q.Section
				fmt.Fprintf(bw, "\n== %s\n", section)
			}
			fmt.Fprintf(bw, "%s (%s)\n", q.ID, q.Provision)
			wrapList(bw, "  ", strings.Fields(q.Text), " ", "  ", width(w))
			if len(q.Choices) > 0 {
				wrapList(bw, "  choices: ", q.Choices, ", ", "    ", width(w))
			}
		}
		err = bw.err
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err == nil {
		o.wrote(e, format, "")
	}
	return err
}

// classifyInterview asks the questions that matter for the profile's
// classification, one at a time, and writes each answer into the profile's
// facts: block as it is given, so that stopping at any point loses nothing.
func classifyInterview(e *env, args []string) error {
	fs := flag.NewFlagSet("classify -interview", flag.ContinueOnError)
	fs.Bool("interview", true, "ask the classification questions and write the answers into the profile")
	out := fs.String("o", "", "write the profile with the answers to `FILE` instead of over PROFILE")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one profile, got %d arguments", len(pos))
	}
	path := pos[0]
	src, err := yamlx.ReadFile(path, profile.MaxSize)
	if err != nil {
		return usageError{err}
	}
	p, err := profile.Decode(path, src)
	if err != nil {
		return usageError{err}
	}
	qs, err := classify.Questions()
	if err != nil {
		return err
	}
	if err := qs.CheckFacts(p); err != nil {
		return usageError{err}
	}
	dest := path
	if *out != "" {
		dest = *out
	}
	order := make([]string, len(qs.Questions))
	for i, q := range qs.Questions {
		order[i] = q.ID
	}
	answers := maps.Clone(p.Facts)
	if answers == nil {
		answers = map[string]string{}
	}
	save := func() error {
		b, err := profile.SetFacts(path, src, answers, order)
		if err != nil {
			return err
		}
		return profile.WriteFile(dest, b)
	}
	in := bufio.NewScanner(e.stdin)
	asked := map[string]bool{}
	fmt.Fprintf(e.stdout, "Classification interview for %s (%d answers already in the profile).\n", safetext.Escape(path), len(p.Facts))
	fmt.Fprintln(e.stdout, "Answer y(es), n(o) or u(nknown); s skips a question, q stops. Each answer is saved as it is given.")
	n, stopped := 0, false
	for !stopped {
		cur := *p
		cur.Facts = answers
		q := qs.Next(&cur, asked)
		if q == nil {
			break
		}
		asked[q.ID] = true
		a, quit, err := ask(e.stdout, in, q)
		if err != nil {
			return err
		}
		if quit {
			stopped = true
			break
		}
		if a == "" {
			continue
		}
		answers[q.ID] = a
		n++
		if err := save(); err != nil {
			return err
		}
	}
	cur := *p
	cur.Facts = answers
	res, err := classify.Classify(&cur, nil)
	if err != nil {
		return err
	}
	state := "complete"
	if stopped {
		state = "stopped"
	}
	tier := res.Tier
	if res.Provisional {
		tier += " (provisional)"
	}
	fmt.Fprintf(e.stdout, "\nInterview %s: %d new answers written to %s. Tier from the facts: %s.\n", state, n, safetext.Escape(dest), tier)
	for _, o := range res.Open {
		fmt.Fprintf(e.stdout, "  open: %s\n", safetext.Escape(o.Reason))
	}
	for _, c := range res.Claims {
		fmt.Fprintf(e.stdout, "  claim to resolve: %s\n", safetext.Escape(c.Reason))
	}
	return nil
}

// ask puts one question and reads its answer: a yes/no/unknown or a choice,
// "" for a skipped question, quit for q or the end of the input.
func ask(w io.Writer, in *bufio.Scanner, q *classify.Question) (answer string, quit bool, err error) {
	fmt.Fprintf(w, "\n[%s] facts.%s (%s)\n%s\n", q.Section, q.ID, q.Provision, q.Text)
	if q.Help != "" {
		fmt.Fprintf(w, "  (%s)\n", q.Help)
	}
	for i, c := range q.Choices {
		fmt.Fprintf(w, "  %2d  %s\n", i+1, c)
	}
	for tries := 0; tries < 5; tries++ {
		if len(q.Choices) > 0 {
			fmt.Fprint(w, "number or name, u(nknown), s(kip), q(uit): ")
		} else {
			fmt.Fprint(w, "y/n/u/s/q: ")
		}
		if !in.Scan() {
			if err := in.Err(); err != nil && err != io.EOF {
				return "", false, fmt.Errorf("reading the answer: %w", err)
			}
			fmt.Fprintln(w)
			return "", true, nil
		}
		s := strings.ToLower(strings.TrimSpace(in.Text()))
		switch s {
		case "q", "quit":
			return "", true, nil
		case "s", "skip", "":
			return "", false, nil
		case "u", "unknown", "?":
			return classify.Unknown, false, nil
		}
		if len(q.Choices) == 0 {
			switch s {
			case "y", "yes":
				return classify.Yes, false, nil
			case "n", "no":
				return classify.No, false, nil
			}
			fmt.Fprintf(w, "  %q is not an answer here.\n", s)
			continue
		}
		if i, err := strconv.Atoi(s); err == nil && i >= 1 && i <= len(q.Choices) {
			return q.Choices[i-1], false, nil
		}
		for _, c := range q.Choices {
			if s == c {
				return c, false, nil
			}
		}
		fmt.Fprintf(w, "  %q is not one of the choices.\n", s)
	}
	return "", false, nil
}

// classifyFindings prints the conclusions that hold, the open questions and
// the claims to resolve of a classification.
func classifyFindings(w io.Writer, c classify.Result, width int) {
	if len(c.Conclusions) > 0 {
		fmt.Fprintln(w, "\nconclusions:")
		t := &table{indent: "  ", head: []string{"CONCLUSION", "PROVISION", "BY", "FROM"}}
		for _, x := range c.Conclusions {
			from := slices.Clone(x.Facts)
			if x.Claim != "" {
				from = append(from, x.Claim)
			}
			t.add(x.Sets, x.Provision, x.By, strings.Join(from, ", "))
		}
		t.write(w, width)
	}
	for _, part := range []struct {
		head  string
		lines []string
	}{
		{"open questions", mapSlice(c.Open, func(o classify.Open) string { return o.Reason })},
		{"claims to resolve", mapSlice(c.Claims, func(x classify.Claim) string { return x.Kind + ": " + x.Reason })},
	} {
		if len(part.lines) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", part.head)
		for _, l := range part.lines {
			wrapList(w, "  - ", strings.Fields(l), " ", "    ", width)
		}
	}
}

func mapSlice[T any](in []T, f func(T) string) []string {
	out := make([]string, len(in))
	for i, x := range in {
		out[i] = f(x)
	}
	return out
}
