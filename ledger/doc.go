// Package ledger is aiassure's tamper-evident event ledger for AI systems
// in operation: the automatic record-keeping of AI Act Art. 12, which the
// ENISA report's table 3 asks to protect with the ordinary confidentiality,
// integrity and availability measures.
//
// Events (inference decisions, human overrides, incidents, model, data and
// configuration changes) are validated against one JSON Schema per type
// (schemas/), written as canonical JSON entries into an RFC 6962 Merkle
// tree kept by Tessera (C2SP tlog-tiles; its POSIX driver, or its MySQL
// driver with the DSN from the environment, as ledger.json says), and acknowledged
// only once a signed checkpoint (C2SP tlog-checkpoint, an Ed25519 signed
// note) covers them. Verify recomputes the whole tree offline from the
// entry bundles and checks every checkpoint against a trusted public key,
// locating any changed, dropped, reordered or inserted entry; Prove writes
// a C2SP tlog-proof file an auditor can take away. Personal fields are
// stored in the log only as keyed commitments; their plaintext is sealed
// under per-subject keys in a private store, and Forget deletes the keys
// (crypto-shredding) without touching the log. Snapshot copies a log, from
// either driver, as tlog-tiles files for offline verification.
// docs/ledger.md describes it.
package ledger
