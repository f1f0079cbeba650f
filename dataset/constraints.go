package dataset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/aiassure/aiassure/internal/limitio"
	"github.com/aiassure/aiassure/model"
)

// Constraints describe the feasible set of one flattened sample: what an
// attacker may change and to what values. Slices are indexed by feature.
type Constraints struct {
	Features  []string
	Min, Max  []float64 // inclusive bounds; -Inf/+Inf when unbounded
	Integer   []bool    // the feature takes integer values
	Immutable []bool    // the feature must keep its original value
	Groups    []Group   // one-hot groups: exactly one member is 1, the others 0
	Image     *ImageSpec

	// Facts from features.json that describe the data rather than constrain it.
	Label      string   `json:",omitempty"`
	Classes    []string `json:",omitempty"`
	InputShape []int    `json:",omitempty"`
}

// Group is a one-hot group: Columns are feature indices.
type Group struct {
	Name    string
	Columns []int
}

// ImageSpec describes image samples: their layout and pixel range.
type ImageSpec struct {
	Channels, Height, Width int
	Min, Max                float64
	Levels                  int // number of grey levels of the source data; 0 when unknown (informational)
}

// featuresFile is the features.json format of the examples
// (tools/make_examples.py writes it).
type featuresFile struct {
	Label      string   `json:"label"`
	Classes    []string `json:"classes"`
	InputShape []int    `json:"input_shape"`
	Image      *struct {
		Channels int      `json:"channels"`
		Height   int      `json:"height"`
		Width    int      `json:"width"`
		Min      *float64 `json:"min"`
		Max      *float64 `json:"max"`
		Levels   int      `json:"levels"`
	} `json:"image"`
	OneHotGroups []struct {
		Name     string   `json:"name"`
		Features []string `json:"features"`
	} `json:"one_hot_groups"`
	Integer   []string `json:"integer"`
	Immutable []string `json:"immutable"`
	Features  []struct {
		Name      string   `json:"name"`
		Type      string   `json:"type"` // real, integer, binary, pixel
		Min       *float64 `json:"min"`
		Max       *float64 `json:"max"`
		Immutable bool     `json:"immutable"`
		Group     string   `json:"group"`
	} `json:"features"`
}

// maxConstraintsSize bounds a features.json file.
const maxConstraintsSize = 16 << 20

// LoadConstraints reads a features.json file, of at most 16 MiB.
func LoadConstraints(path string) (*Constraints, error) {
	b, err := limitio.ReadFile(path, maxConstraintsSize)
	if err != nil {
		return nil, fmt.Errorf("load constraints: %w", err)
	}
	c, err := ParseConstraints(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// maxFeaturesJSON bounds the size of a features.json document.
const maxFeaturesJSON = 64 << 20

// ParseConstraints parses a features.json document. Per feature it reads
// name, type (integer features are also listed by name under "integer"),
// min, max (absent: unbounded), immutable and group; "one_hot_groups" lists
// the groups (when absent, features sharing a "group" form one); "image"
// gives the pixel range and layout of image data.
func ParseConstraints(b []byte) (*Constraints, error) {
	if len(b) > maxFeaturesJSON {
		return nil, fmt.Errorf("features file longer than %d bytes: %w", maxFeaturesJSON, ErrLimit)
	}
	var f featuresFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("features file: %w", err)
	}
	if len(f.Features) == 0 {
		return nil, errors.New("features file: no features")
	}
	c := &Constraints{Label: f.Label, Classes: f.Classes, InputShape: f.InputShape}
	index := map[string]int{}
	for i, ft := range f.Features {
		if ft.Name == "" {
			return nil, fmt.Errorf("feature %d has no name", i)
		}
		if _, dup := index[ft.Name]; dup {
			return nil, fmt.Errorf("feature %q appears twice", trunc(ft.Name, 64))
		}
		index[ft.Name] = i
		lo, hi := math.Inf(-1), math.Inf(1)
		if f.Image != nil && ft.Type == "pixel" {
			if f.Image.Min != nil {
				lo = *f.Image.Min
			}
			if f.Image.Max != nil {
				hi = *f.Image.Max
			}
		}
		if ft.Min != nil {
			lo = *ft.Min
		}
		if ft.Max != nil {
			hi = *ft.Max
		}
		if math.IsNaN(lo) || math.IsNaN(hi) || lo > hi {
			return nil, fmt.Errorf("feature %q: range [%v, %v] is empty", trunc(ft.Name, 64), lo, hi)
		}
		switch ft.Type {
		case "", "real", "integer", "binary", "pixel":
		default:
			return nil, fmt.Errorf("feature %q: unknown type %q (want real, integer, binary or pixel)", trunc(ft.Name, 64), trunc(ft.Type, 20))
		}
		c.Features = append(c.Features, ft.Name)
		c.Min = append(c.Min, lo)
		c.Max = append(c.Max, hi)
		c.Integer = append(c.Integer, ft.Type == "integer" || ft.Type == "binary")
		c.Immutable = append(c.Immutable, ft.Immutable)
	}
	lookup := func(list, name string) (int, error) {
		i, ok := index[name]
		if !ok {
			return 0, fmt.Errorf("%s: unknown feature %q", list, trunc(name, 64))
		}
		return i, nil
	}
	for _, n := range f.Integer {
		i, err := lookup("integer", n)
		if err != nil {
			return nil, err
		}
		c.Integer[i] = true
	}
	for _, n := range f.Immutable {
		i, err := lookup("immutable", n)
		if err != nil {
			return nil, err
		}
		c.Immutable[i] = true
	}
	if f.OneHotGroups != nil {
		for _, g := range f.OneHotGroups {
			grp := Group{Name: g.Name}
			for _, n := range g.Features {
				i, err := lookup("one_hot_groups", n)
				if err != nil {
					return nil, err
				}
				grp.Columns = append(grp.Columns, i)
			}
			c.Groups = append(c.Groups, grp)
		}
	} else {
		byName := map[string]int{}
		for i, ft := range f.Features {
			if ft.Group == "" {
				continue
			}
			g, ok := byName[ft.Group]
			if !ok {
				g = len(c.Groups)
				byName[ft.Group] = g
				c.Groups = append(c.Groups, Group{Name: ft.Group})
			}
			c.Groups[g].Columns = append(c.Groups[g].Columns, i)
		}
	}
	if f.Image != nil {
		im := f.Image
		c.Image = &ImageSpec{Channels: im.Channels, Height: im.Height, Width: im.Width, Min: 0, Max: 1, Levels: im.Levels}
		if im.Min != nil {
			c.Image.Min = *im.Min
		}
		if im.Max != nil {
			c.Image.Max = *im.Max
		}
		if n, err := model.NumElements([]int{im.Channels, im.Height, im.Width}); err != nil || n != len(c.Features) {
			return nil, fmt.Errorf("image %dx%dx%d does not match %d features", im.Channels, im.Height, im.Width, len(c.Features))
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Validate checks that the slices agree in length and that groups are
// non-empty, disjoint and in range.
func (c *Constraints) Validate() error {
	n := len(c.Min)
	if len(c.Max) != n || len(c.Integer) != n || len(c.Immutable) != n || (c.Features != nil && len(c.Features) != n) {
		return errors.New("constraints: per-feature slices differ in length")
	}
	for i := range n {
		if math.IsNaN(c.Min[i]) || math.IsNaN(c.Max[i]) || c.Min[i] > c.Max[i] {
			return fmt.Errorf("constraints: feature %d: range [%v, %v] is empty", i, c.Min[i], c.Max[i])
		}
	}
	used := make([]bool, n)
	for _, g := range c.Groups {
		if len(g.Columns) == 0 {
			return fmt.Errorf("constraints: one-hot group %q is empty", g.Name)
		}
		for _, j := range g.Columns {
			if j < 0 || j >= n {
				return fmt.Errorf("constraints: one-hot group %q: feature %d out of range", g.Name, j)
			}
			if used[j] {
				return fmt.Errorf("constraints: feature %d is in two one-hot groups", j)
			}
			used[j] = true
		}
		if err := c.groupFeasible(g); err != nil {
			return err
		}
	}
	return nil
}

// groupFeasible checks that a one-hot group can be satisfied: every member
// admits 0 or 1, a member that cannot be 0 (Min > 0) must be the one, at most
// one member is such, and some member can be 1.
func (c *Constraints) groupFeasible(g Group) error {
	forced, canOne := -1, false
	for _, j := range g.Columns {
		lo, hi := bound32(c.Min[j]), bound32(c.Max[j])
		if !(lo <= 0 && 0 <= hi) && !(lo <= 1 && 1 <= hi) {
			return fmt.Errorf("constraints: one-hot group %q: feature %d: range [%v, %v] admits neither 0 nor 1", g.Name, j, c.Min[j], c.Max[j])
		}
		if lo > 0 {
			if forced >= 0 {
				return fmt.Errorf("constraints: one-hot group %q: features %d and %d both cannot be 0", g.Name, forced, j)
			}
			forced = j
		}
		canOne = canOne || hi >= 1
	}
	if !canOne {
		return fmt.Errorf("constraints: one-hot group %q: no member's range admits 1", g.Name)
	}
	return nil
}

// Len returns the number of features.
func (c *Constraints) Len() int { return len(c.Min) }

// InferOptions configure Infer.
type InferOptions struct {
	// Integers marks as integer the features whose observed values are all
	// integers.
	Integers bool
	// Immutable names features that must not change.
	Immutable []string
}

// Infer derives constraints from data: each feature's range is the observed
// [min, max]; image data (format "images") gets the pixel range [0, 1]
// instead; the one-hot groups of an ARFF file's nominal attributes become
// groups. It reads r to the end.
func Infer(ctx context.Context, r Reader, opt InferOptions) (*Constraints, error) {
	info := r.Info()
	n := 1
	for _, d := range info.Shape {
		n *= d
	}
	c := &Constraints{
		Features: slices.Clone(info.Features), Min: make([]float64, n), Max: make([]float64, n),
		Integer: make([]bool, n), Immutable: make([]bool, n), Label: info.Label, Classes: info.Classes,
		InputShape: slices.Clone(info.Shape),
	}
	if len(c.Features) != n {
		c.Features = nil
	}
	for i := range n {
		c.Min[i], c.Max[i] = math.Inf(1), math.Inf(-1)
		c.Integer[i] = opt.Integers
	}
	rows := 0
	for b, err := range Batches(ctx, r, 4096) {
		if err != nil {
			return nil, err
		}
		for i := range b.X.Batch() {
			for j, v := range b.X.Row(i) {
				f := float64(v)
				c.Min[j] = min(c.Min[j], f)
				c.Max[j] = max(c.Max[j], f)
				if c.Integer[j] && f != math.Trunc(f) {
					c.Integer[j] = false
				}
			}
			rows++
		}
	}
	if rows == 0 {
		return nil, errors.New("infer constraints: no samples")
	}
	if info.Format == "images" && len(info.Shape) == 3 {
		c.Image = &ImageSpec{Channels: info.Shape[0], Height: info.Shape[1], Width: info.Shape[2], Min: 0, Max: 1}
		for i := range n {
			c.Min[i], c.Max[i], c.Integer[i] = 0, 1, false
		}
	}
	for _, nom := range info.Nominal {
		if nom.OneHot {
			c.Groups = append(c.Groups, Group{Name: nom.Attribute, Columns: slices.Clone(nom.Columns)})
			for _, j := range nom.Columns {
				c.Integer[j] = true
			}
		} else {
			c.Integer[nom.Columns[0]] = true
		}
	}
	for _, name := range opt.Immutable {
		j := slices.Index(c.Features, name)
		if j < 0 {
			return nil, fmt.Errorf("infer constraints: unknown immutable feature %q", name)
		}
		c.Immutable[j] = true
	}
	return c, c.Validate()
}

// bound32 rounds a bound to float32, the precision of the data: a feature
// bounded by 185.2 may hold float32(185.2), which is slightly less.
// bound32 rounds a bound to float32, the precision of the data: a feature
// bounded by 185.2 may hold float32(185.2), which is slightly less.
func bound32(b float64) float64 { return float64(float32(b)) }

// Project maps the batch x, in place, into the feasible set, given the
// original batch x0 (same shape; it may be nil only when no feature is
// immutable). Per row, in this order: NaN values take x0's value (or the
// lower bound); values are clipped to [Min, Max]; integer features are
// rounded to the nearest integer within the range; each one-hot group is set
// to 1 at its largest member that admits 1 (the first on ties; a member
// whose Min is above 0 always wins) and 0 elsewhere; bounds are compared at
// float32 precision; immutable features, and
// every member of a group that has an immutable member, take x0's values.
func (c *Constraints) Project(x, x0 *model.Tensor) error {
	n := c.Len()
	if err := x.Validate(); err != nil {
		return fmt.Errorf("project: %w", err)
	}
	if x.RowLen() != n {
		return fmt.Errorf("project: samples have %d values, the constraints %d features", x.RowLen(), n)
	}
	if x0 != nil && (!model.SameShape(x.Shape, x0.Shape) || x0.Validate() != nil) {
		return fmt.Errorf("project: x0 shape %v differs from x shape %v", x0.Shape, x.Shape)
	}
	if x0 == nil && slices.Contains(c.Immutable, true) {
		return errors.New("project: immutable features need the original batch x0")
	}
	for i := range x.Batch() {
		row := x.Row(i)
		var orig []float32
		if x0 != nil {
			orig = x0.Row(i)
		}
		for j := range row {
			v := float64(row[j])
			if math.IsNaN(v) {
				v = c.Min[j]
				if orig != nil {
					v = float64(orig[j])
				}
			}
			lo, hi := bound32(c.Min[j]), bound32(c.Max[j])
			v = min(max(v, lo), hi)
			if c.Integer[j] {
				v = math.Round(v)
				if v > hi {
					v = math.Floor(hi)
				}
				if v < lo {
					v = math.Ceil(lo)
				}
			}
			row[j] = float32(v)
		}
		for _, g := range c.Groups {
			best, bv := -1, math.Inf(-1)
			for _, j := range g.Columns {
				if bound32(c.Min[j]) > 0 {
					best = j // the member that cannot be 0
					break
				}
				if v := float64(row[j]); bound32(c.Max[j]) >= 1 && (v > bv || best < 0) {
					best, bv = j, v
				}
			}
			if best < 0 { // an unvalidated, infeasible group: the largest member
				best = g.Columns[0]
				for _, j := range g.Columns {
					if row[j] > row[best] {
						best = j
					}
				}
			}
			for _, j := range g.Columns {
				row[j] = 0
			}
			row[best] = 1
			if orig != nil && slices.ContainsFunc(g.Columns, func(j int) bool { return c.Immutable[j] }) {
				for _, j := range g.Columns {
					row[j] = orig[j]
				}
			}
		}
		for j, imm := range c.Immutable {
			if imm {
				row[j] = orig[j]
			}
		}
	}
	return nil
}

// Check reports the first way in which a row of x violates the constraints
// (values outside their range, non-integers, broken one-hot groups, changed
// immutable features when x0 is given), with tolerance tol.
func (c *Constraints) Check(x, x0 *model.Tensor, tol float64) error {
	n := c.Len()
	if err := x.Validate(); err != nil {
		return err
	}
	if x.RowLen() != n {
		return fmt.Errorf("samples have %d values, the constraints %d features", x.RowLen(), n)
	}
	if x0 != nil && !model.SameShape(x.Shape, x0.Shape) {
		return fmt.Errorf("x0 shape %v differs from x shape %v", x0.Shape, x.Shape)
	}
	name := func(j int) string {
		if j < len(c.Features) {
			return c.Features[j]
		}
		return fmt.Sprintf("#%d", j)
	}
	for i := range x.Batch() {
		row := x.Row(i)
		for j, f := range row {
			v := float64(f)
			if math.IsNaN(v) || v < bound32(c.Min[j])-tol || v > bound32(c.Max[j])+tol {
				return fmt.Errorf("row %d: %s = %v outside [%v, %v]", i, name(j), v, c.Min[j], c.Max[j])
			}
			if c.Integer[j] && math.Abs(v-math.Round(v)) > tol {
				return fmt.Errorf("row %d: %s = %v is not an integer", i, name(j), v)
			}
			if x0 != nil && c.Immutable[j] && math.Abs(v-float64(x0.Row(i)[j])) > tol {
				return fmt.Errorf("row %d: immutable %s changed from %v to %v", i, name(j), x0.Row(i)[j], v)
			}
		}
		for _, g := range c.Groups {
			ones := 0
			for _, j := range g.Columns {
				switch v := float64(row[j]); {
				case math.Abs(v-1) <= tol:
					ones++
				case math.Abs(v) > tol:
					return fmt.Errorf("row %d: one-hot group %s: %s = %v", i, g.Name, name(j), v)
				}
			}
			if ones != 1 {
				return fmt.Errorf("row %d: one-hot group %s has %d ones", i, g.Name, ones)
			}
		}
	}
	return nil
}
