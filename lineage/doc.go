// Package lineage traces data and models through their life cycle and proves
// that they were not changed between source and sink.
//
// It hashes files and directories of any size into a manifest shaped like the
// OpenSSF model-signing v1.0 manifest (Hash), signs in-toto Statement v1
// attestations of each life-cycle step in DSSE envelopes with Ed25519 or
// ECDSA P-256 keys (Attest), verifies signatures, digests and a policy
// offline (Verify), builds the lineage graph from the attestations (Graph),
// describes a release as a CycloneDX 1.6 ML-BOM (BOM), and turns the outcome
// into aiassure Results for the assessment (Check).
//
// Signatures are always checked before anything in a payload is trusted.
// Every failure wraps one of the Err* sentinels, so that callers can tell a
// wrong key from a changed file with errors.Is. The formats, the policy
// language and the limits are described in docs/lineage.md.
package lineage
