/*
Aiassure assesses the cybersecurity of an AI system the way ENISA's report
"Cybersecurity of AI and Standardisation" (2023) and the EU AI Act
(Regulation (EU) 2024/1689) frame it: which risks apply, which standards cover
them, where the gaps are, and what evidence shows that the system is accurate,
robust and secure (Art. 15).

Usage:

	aiassure <command> [arguments]

The commands are:

	assess    assess the system a profile describes and write the report
	classify  classify the system under the AI Act and list the obligations that follow
	risk      run the TVRA-style threat and risk analysis
	gaps      list standardisation, implementation and evidence gaps
	predict   print a model's outputs for a data set (ONNX file or live endpoint)
	probe     test a model: accuracy metrics and evasion attacks
	catalog   query, validate and export the knowledge base
	lineage   hash, attest, verify and graph the lineage of data and models
	keys      generate signing keys
	schema    print the JSON Schema of the profile or of a catalogue file
	report    convert a saved JSON report into another format
	version   print the versions of the tool, report schema and catalogue

# Assess

	aiassure assess [-format F] [-o FILE] [-fail-on SEVERITY] [-results FILE] PROFILE

reads a system profile (YAML; see docs/profile.md and `aiassure schema
profile`) and writes the report: a terminal summary by default, or -format
json (canonical, with schema_version), markdown, html (one self-contained
file), sarif (2.1.0) or oscal (OSCAL 1.2 assessment results). With -fail-on
high, the exit code is 3 when any finding is high or critical, for CI.
-results adds saved test results to the evidence.

# Model tests

	aiassure predict (-model M.onnx | -endpoint URL ...) -data D [-format csv|json]
	aiassure probe -model M.onnx -data D [-suite metrics,evasion] [-level basic|substantial|high]

run a pure-Go ONNX interpreter (or a live Open Inference Protocol v2 or JSON
endpoint, with a token from AIASSURE_ENDPOINT_TOKEN and a hard query budget)
over a data set; probe computes accuracy metrics against the declared levels
and runs evasion attacks (FGSM, PGD, DeepFool, Square, HopSkipJump). assess
runs the plan of the profile's assurance level on its artefacts.

# Lineage

	aiassure keys generate -o PREFIX
	aiassure lineage hash PATH
	aiassure lineage attest -step data|training|evaluation|release -key K ...
	aiassure lineage verify -key PUB [-policy FILE] ATTESTATIONS...
	aiassure lineage graph ...

See docs/lineage.md.

# Catalogue

	aiassure catalog list KIND
	aiassure catalog show KIND ID
	aiassure catalog search WORDS...
	aiassure catalog matrix [-format table|csv|json] [ID]
	aiassure catalog validate [DIR]
	aiassure catalog export -format oscal [-what catalog|mapping] [-o FILE]

KIND is one of standards, threats, requirements, crosswalk, characteristics,
controls, gaps, recommendations, glossary, matrices.

# Exit codes

	0    success
	1    the tool failed (I/O, internal error)
	2    usage or input error: bad flags, a profile or catalogue that does not validate
	3    findings at or above -fail-on
	130  interrupted

Set AIASSURE_DEBUG=1 to log debug records to standard error. Secrets are never
logged.
*/
package main
