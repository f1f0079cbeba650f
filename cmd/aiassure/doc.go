/*
Aiassure assesses the cybersecurity of an AI system the way the ENISA report
"Cybersecurity of AI and Standardisation" (2023,
https://www.enisa.europa.eu/publications/cybersecurity-of-ai-and-standardisation)
and the EU AI Act (Regulation (EU) 2024/1689) frame it: which risks apply,
which standards cover them, where the gaps are, and what evidence shows that
the system is accurate, robust and secure (Art. 15).

Usage:

	aiassure <command> [arguments]

The commands are:

	assess    assess the system a profile describes and write the report
	classify  classify the system under the AI Act and list the obligations that follow
	risk      run the TVRA-style threat and risk analysis
	gaps      list standardisation, implementation and evidence gaps
	predict   print a model's outputs for a data set (ONNX file or live endpoint)
	probe     test a model: accuracy metrics, evasion, privacy and availability
	gate      check a new training batch against the reference before retraining
	scan      look inside model files for code, traps and backdoors without loading them
	catalog   query, validate and export the knowledge base
	lineage   hash, attest, verify and graph the lineage of data and models
	ledger    keep and verify a tamper-evident event ledger (AI Act Art. 12)
	keys      generate signing keys
	schema    print the JSON Schema of the profile or of a catalogue file
	report    convert a saved JSON report into another format
	llm-double serve the scripted OpenAI-compatible test double on loopback
	version   print the versions of the tool, report schema and catalogue

`aiassure help COMMAND [SUB-COMMAND]`, or `aiassure COMMAND [SUB-COMMAND] -h`,
prints a command's usage and flags on standard output and exits 0.
`aiassure --version` (or -version) is `aiassure version`.

# Output

Every command that prints has -format and -o FILE. Without -format, the
format follows the -o file's extension:

	.txt .text              text
	.json                   json (the canonical JSON; sarif and oscal are JSON too and may be written to .json with -format)
	.md .markdown           markdown
	.html .htm              html
	.sarif .sarif.json      sarif
	.oscal.json             oscal
	.csv                    csv (predict, catalog matrix)
	.jsonl .ndjson          json lines (predict)
	.yaml .yml              yaml (catalog show)
	.dot .gv .svg           dot, svg (lineage graph)

A name without an extension gets the command's default format (text for a
report). An extension that names no format of the command, when -format is
absent, and a -format that the extension contradicts (-format json -o
report.html) are usage errors (exit 2). -json, where a command had it
(classify, risk, gaps, catalog list and show), is the same as -format json.
After writing -o FILE, a line on standard error says what was written:
"wrote report.html (html, 412 KB): 23 findings, highest critical".

Text fits the terminal: its width is $COLUMNS when set, else the terminal's
width, else 100 columns. Tables wrap by column, at spaces; an identifier is
never cut. When the longest identifiers cannot stand side by side, each row
is printed as a record, its identifier first.

# Assess

	aiassure assess [-format F] [-o FILE] [-fail-on SEVERITY] [-results FILE]... [-allow-missing] PROFILE

reads a system profile (YAML; see docs/profile.md and `aiassure schema
profile`) and writes the report: a terminal summary by default, or json
(canonical, with schema_version), markdown, html (one self-contained file),
sarif (2.1.0) or oscal (OSCAL assessment results). With -fail-on high, the
exit code is 3 when any finding not accepted is high or critical, for CI.
While it runs, a progress line on standard error (when it is a terminal)
says which stage it is at.

Every file the profile declares must exist and be readable: artefacts.model
and artefacts.data, assets[].path, controls[].evidence[].ref,
lineage.attestations, lineage.keys, lineage.policy and risk_acceptance,
relative to the profile. An evidence ref with a URI scheme (https://...,
urn:..., doc:DPIA-2024-03) names a document, not a file, and is not looked
up. A missing or unreadable file is an input error (exit 2) naming the
profile's file:line:col, the field and the path; with -allow-missing the
assessment goes on and each such file is a critical "not assessed" finding.
classify, risk and gaps check the same files and take the same flag.

-results FILE adds saved test results to the evidence: the results document
that `aiassure probe -format json` writes ({"type": "aiassure.results",
"schema_version": ...}) or a saved `assess -format json` report. Anything
else (a bare list, another type, another major schema version, an unknown
field, a status outside pass, fail, not_applicable, unknown) is an input
error, whatever -allow-missing says: a file named on the command line must be
right.

# Model tests

	aiassure predict (-model M.onnx | -endpoint URL ...) -data D [-format csv|json]
	aiassure probe -model M.onnx -data D [-suite metrics,evasion] [-level basic|substantial|high] [-format text|json]
	aiassure probe -suite privacy -model M.onnx -members TRAIN -non-members HELDOUT [-sensitive A,B]

run a pure-Go ONNX interpreter (or a live Open Inference Protocol v2 or JSON
endpoint, with a token from AIASSURE_ENDPOINT_TOKEN and a hard query budget)
over a data set; probe computes accuracy metrics against the declared levels
and runs evasion attacks (FGSM, PGD, DeepFool, Square, HopSkipJump); the
privacy suite runs membership inference (threshold, calibrated, shadow,
offline LiRA, RMIA, label-only), model extraction and attribute inference
on training and held-out records (docs/privacy.md). assess runs the plan of
the profile's assurance level on its artefacts.

# Lineage

	aiassure keys generate -o PREFIX
	aiassure lineage hash PATH
	aiassure lineage attest -step data|training|evaluation|release -key K ...
	aiassure lineage verify -key PUB [-policy FILE] ATTESTATIONS...
	aiassure lineage graph ...
	aiassure lineage index -db FILE -key PUB ATTESTATIONS...
	aiassure lineage bom -model PATH ...

See docs/lineage.md.

# Catalogue

	aiassure catalog list KIND
	aiassure catalog show KIND ID
	aiassure catalog search WORDS...
	aiassure catalog matrix [-format text|csv|json] [ID]
	aiassure catalog validate [DIR]
	aiassure catalog export [-what catalog|mapping] [-o FILE]

KIND is one of standards, threats, requirements, crosswalk, characteristics,
controls, gaps, recommendations, glossary, matrices.

# Exit codes

The rule is the same for every command:

	0    success (help included)
	1    the tool or the target failed: I/O, an internal error, an endpoint that does not
	     answer or answers an HTTP error or an unusable answer (malformed, NaN, infinite,
	     beyond the range of float32), a -timeout that passed
	2    usage or input error: bad flags, a -format the -o extension contradicts, a profile or
	     catalogue that does not validate, a file the profile declares that is missing or
	     unreadable (without -allow-missing), a -results file that is not a results file, a
	     data file that cannot be read or holds a bad row (wherever it is), a model file that
	     does not load, an endpoint URL or option refused before anything is sent
	3    findings not accepted at or above -fail-on; lineage verify or index problems
	130  interrupted

Error messages start with "aiassure COMMAND: " once; input errors name the
file, and in a profile the line, column and field. Control characters and
bidirectional overrides in what a message, a table or a text, Markdown, HTML
or SARIF report quotes are shown as visible escapes (^[, <U+202E>); JSON
output keeps the exact strings (docs/output-safety.md).

Commands that talk to an endpoint (predict, probe, probe -suite llm, and
assess for artefacts.llm_endpoint) take -timeout, the overall deadline (default
30m, 0 for none), and -request-timeout, the deadline of one request (10s for
model endpoints, 60s for chat endpoints); see docs/endpoints.md.

Set AIASSURE_DEBUG=1 to log debug records to standard error. Secrets are never
logged.
*/
package main
