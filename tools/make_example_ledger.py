#!/usr/bin/python3
"""Makes the event ledger of the credit-scoring example (examples/credit-scoring/ledger).

The events are those of the example's decision-log sample (evidence/decision-log-sample.jsonl),
turned into the ledger's event types (docs/ledger.md), with the deployment of the model before them,
a configuration change, a human override and a low-severity incident. They are appended by
`aiassure ledger append` with a freshly generated Ed25519 key, whose private half is deleted
afterwards: only ledger.pub is kept, which is all an assessor needs to verify the ledger.
The private store (ledger/private: the per-subject keys and the sealed personal data) is removed
too, as an operator would keep it when handing the log to an assessor: the log holds only keyed
commitments of the personal fields, and every proof verifies without them.

Run from the repository root: /usr/bin/python3 tools/make_example_ledger.py
"""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile

EX = "examples/credit-scoring"
LEDGER = os.path.join(EX, "ledger")


def main():
    tmp = tempfile.mkdtemp()
    try:
        binary = os.path.join(tmp, "aiassure")
        subprocess.run(["go", "build", "-o", binary, "./cmd/aiassure"], check=True)
        key = os.path.join(tmp, "ledger")
        subprocess.run([binary, "keys", "generate", "-o", key], check=True)
        shutil.rmtree(LEDGER, ignore_errors=True)
        subprocess.run([binary, "ledger", "init", "-dir", LEDGER,
                        "-origin", "example.com/credit-scoring/ledger", "-retention", "87600h"], check=True)
        with open(os.path.join(EX, "model", "mlp.onnx"), "rb") as f:
            digest = "sha256:" + hashlib.sha256(f.read()).hexdigest()
        events = [
            {"type": "model_update", "time": "2026-10-01T07:00:00Z", "system": "credit-scoring",
             "model_version": "2.3.0", "previous_version": "2.2.1", "digest": digest, "action": "deploy",
             "reason": "quarterly retraining; evaluation attestation 3-evaluation-2-mlp", "approved_by": "ml-lead-02"},
            {"type": "config_change", "time": "2026-10-01T07:05:00Z", "system": "credit-scoring",
             "setting": "second_review_threshold", "old_value": "0.70", "new_value": "0.65",
             "reason": "risk committee decision RC-2026-19", "changed_by": "risk-officer-01"},
        ]
        with open(os.path.join(EX, "evidence", "decision-log-sample.jsonl")) as f:
            for i, line in enumerate(f):
                d = json.loads(line)
                events.append({"type": "inference_decision", "time": d["ts"], "system": "credit-scoring",
                               "model_version": "2.3.0", "request_id": d["application"],
                               "subject": d["application"], "score": d["p_bad"], "decision": d["decision"],
                               "verified_by": d["officer"]})
                if d.get("second_review"):
                    events.append({"type": "human_override", "time": d["ts"].replace("Z", "").rsplit(":", 1)[0] + ":59Z",
                                   "system": "credit-scoring", "subject": d["application"],
                                   "request_id": d["application"], "original_decision": d["decision"],
                                   "decision": "guarantor-requested", "operator": d.get("reviewer", "off-0107"),
                                   "reason": "second review: income documents verified"})
        events.append({"type": "incident", "time": "2026-10-06T16:20:00Z", "system": "credit-scoring",
                       "incident_id": "INC-2026-0042", "severity": "low", "category": "availability",
                       "description": "scoring API answered 503 for 4 minutes during a database failover; "
                                      "applications were queued, none decided without a score",
                       "serious": False, "reported_by": "ops-oncall"})
        path = os.path.join(tmp, "events.jsonl")
        with open(path, "w") as f:
            for e in events:
                f.write(json.dumps(e) + "\n")
        subprocess.run([binary, "ledger", "append", "-dir", LEDGER, "-key", key + ".key", path],
                       check=True, stdout=subprocess.DEVNULL)
        shutil.copy(key + ".pub", os.path.join(EX, "ledger.pub"))
        shutil.rmtree(os.path.join(LEDGER, "private"))
        subprocess.run([binary, "ledger", "verify", "-dir", LEDGER, "-pub", key + ".pub"], check=True)
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
