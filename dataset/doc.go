// Package dataset reads labelled test data for aiassure's model tests and
// describes the constraints that perturbed inputs must respect.
//
// Formats: CSV (a header line, numeric feature columns and an integer label
// column named by the caller), NPY (NumPy arrays, format versions 1 to 3,
// dtypes <f4, <f8, <i8 and |u1, C order; a second NPY file holds the labels),
// ARFF (numeric and nominal attributes; nominal ones are one-hot or ordinal
// encoded and the mapping is recorded) and image folders (one sub-folder per
// class, PNG or JPEG, grey or RGB, scaled to [0, 1]).
//
// CSV, NPY and image folders stream: a Reader hands out batches, so the
// memory a caller needs grows with the batch size, not with the file. ARFF
// files are parsed in full when opened and then handed out in batches.
//
// Every reader enforces Limits (rows, columns, bytes, image size) so that
// untrusted input is refused with an error rather than exhausting memory;
// no input makes a reader panic.
//
// Constraints describe the feasible set of inputs: per-feature ranges,
// integer features, immutable features, one-hot groups and the pixel range of
// images. They are read from a features.json file (the format the examples
// use) or inferred from data; Constraints.Project maps a perturbed batch back
// into the feasible set, and evasion attacks call it after each step.
//
// Sample and SampleReader draw deterministic samples (plain or stratified by
// class) from a seed.
package dataset
