"""The federated-diabetes example: four hospitals train one model by FedAvg.

Imported by tools/make_examples.py (run that, not this file). The Pima
Indians diabetes data (Debian package weka, diabetes.arff) stand in for the
records of four fictitious hospitals: the rows are dealt to the sites with a
seeded Dirichlet split of each class, so the sites differ in size and case
mix (non-IID), as real sites do. Each site keeps a quarter of its rows,
stratified, as its test share; the pooled test shares are data/test.csv.

Federated averaging (McMahan et al., 2017) is implemented here on PyTorch:
in each round every site starts from the global weights, runs local
mini-batch SGD on its own rows and returns the change of its weights; the
server clips each change to an L2 norm bound (the one robust-aggregation
measure the example's profile claims), and adds their average weighted by
the sites' row counts. Standardisation uses the pooled mean and standard
deviation computed from the sites' counts, sums and sums of squares, which is
all they share besides the weight changes.

A poisoning test trains the same way with one malicious site that flips its
labels and scales its update by 10 (a model-replacement attack), once with
plain FedAvg and once with the clipped aggregation, and records both in
model/poisoning-test.json.
"""

import os
import shutil
import sys

import numpy as np
import torch
from sklearn import metrics
from sklearn.model_selection import train_test_split

import make_examples as mx

NAME = "federated-diabetes"
# Debian's weka 3.6.14-3 ships this file; its digest pins the copy.
ARFF_SHA256 = "01c38ba089121a39a4ee5bafb3c9bddd71e4337d8f0268c85a999a37c1a027e6"
ARFF_PATHS = [
    "/usr/share/doc/weka/examples/diabetes.arff",
    os.path.join(mx.EXAMPLES, NAME, "data", "diabetes.arff"),
]

SITES = [
    ("site-1", "Hospital A (university hospital, diabetes centre)"),
    ("site-2", "Hospital B (regional hospital)"),
    ("site-3", "Hospital C (regional hospital)"),
    ("site-4", "Hospital D (district hospital)"),
]
ALPHA = 2.0  # Dirichlet concentration of the class split over sites
ROUNDS = 40
LOCAL_EPOCHS = 5
BATCH = 16
LR = 0.05
CLIP = 0.5  # L2 bound on each site's weight change per round
HIDDEN = 16

FEATURES = [
    # (ARFF name, column name, unit/meaning)
    ("preg", "pregnancies", "number of times pregnant"),
    ("plas", "glucose_2h", "plasma glucose 2 h after an oral glucose load, mg/dl"),
    ("pres", "diastolic_bp", "diastolic blood pressure, mm Hg"),
    ("skin", "triceps_skinfold", "triceps skin fold thickness, mm"),
    ("insu", "insulin_2h", "2-hour serum insulin, mu U/ml"),
    ("mass", "bmi", "body mass index, kg/m^2"),
    ("pedi", "pedigree", "diabetes pedigree function"),
    ("age", "age", "age, years"),
]
INTEGER = {"pregnancies", "glucose_2h", "diastolic_bp", "triceps_skinfold", "insulin_2h", "age"}
IMMUTABLE = {"pregnancies", "pedigree", "age"}


def find_arff(explicit):
    for p in ([explicit] if explicit else []) + ARFF_PATHS:
        if p and os.path.exists(p) and mx.sha256(p) == ARFF_SHA256:
            return p
    sys.exit("diabetes.arff not found (install weka, or `apt-get download weka && dpkg-deb -x` "
             "and pass --diabetes-arff PATH); the file must have sha256 " + ARFF_SHA256)


def split_sites(y, rs):
    """Deals the row indices of each class to the sites by Dirichlet shares."""
    parts = [[] for _ in SITES]
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        rs.shuffle(idx)
        share = rs.dirichlet([ALPHA] * len(SITES))
        cuts = (np.cumsum(share)[:-1] * len(idx)).round().astype(int)
        for k, chunk in enumerate(np.split(idx, cuts)):
            parts[k] += chunk.tolist()
    return [np.array(sorted(p)) for p in parts]


def make_net(mean, std):
    return torch.nn.Sequential(
        mx.Standardise(mean, std),
        torch.nn.Linear(len(FEATURES), HIDDEN), torch.nn.ReLU(),
        torch.nn.Linear(HIDDEN, 2),
    )


def trainable(net):
    return [p for p in net.parameters()]


def flat(net):
    return torch.cat([p.detach().reshape(-1) for p in trainable(net)])


def set_flat(net, v):
    i = 0
    with torch.no_grad():
        for p in trainable(net):
            n = p.numel()
            p.copy_(v[i:i + n].reshape(p.shape))
            i += n


def local_update(net, X, y, round_no, site_no):
    """LOCAL_EPOCHS of mini-batch SGD on one site's rows, from the global weights."""
    g = torch.Generator().manual_seed(1000 * round_no + site_no)
    Xt = torch.tensor(X, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.long)
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    net.train()
    for _ in range(LOCAL_EPOCHS):
        perm = torch.randperm(len(yt), generator=g)
        for s in range(0, len(yt), BATCH):
            b = perm[s:s + BATCH]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(Xt[b]), yt[b]).backward()
            opt.step()
    net.eval()


def fedavg(site_data, mean, std, clip, attacker=None, log=None):
    """Runs ROUNDS rounds of FedAvg; returns the global network.

    attacker: index of a site that flips its labels and scales its change by
    10 (for the poisoning test). clip: the L2 bound, or None for plain FedAvg.
    """
    torch.manual_seed(mx.SEED)
    glob = make_net(mean, std)
    local = make_net(mean, std)
    n = np.array([len(yk) for _, yk in site_data], dtype=np.float64)
    for r in range(ROUNDS):
        w = flat(glob)
        total = torch.zeros_like(w)
        row = {"round": r + 1, "update_norms": [], "clipped": []}
        for k, (Xk, yk) in enumerate(site_data):
            local.load_state_dict(glob.state_dict())
            yk_used = 1 - yk if k == attacker else yk
            local_update(local, Xk, yk_used, r, k)
            delta = flat(local) - w
            if k == attacker:
                delta = delta * 10.0
            norm = float(delta.norm())
            scale = 1.0 if clip is None else min(1.0, clip / max(norm, 1e-12))
            row["update_norms"].append(round(norm, 6))
            row["clipped"].append(scale < 1.0)
            total += float(n[k] / n.sum()) * scale * delta
        set_flat(glob, w + total)
        if log is not None:
            log.append(row)
    glob.eval()
    return glob


def auc_acc(net, X, y):
    p = mx.torch_scores(mx.WithSoftmax(net).eval(), X.astype(np.float32))
    return {"accuracy": float(metrics.accuracy_score(y, p.argmax(1))),
            "roc_auc": float(metrics.roc_auc_score(y, p[:, 1])),
            "recall_positive": float(metrics.recall_score(y, p.argmax(1), zero_division=0))}


def make(lib, arff_path):
    d = os.path.join(mx.EXAMPLES, NAME)
    attrs, rows = mx.read_arff(arff_path)
    assert [a for a, _ in attrs[:-1]] == [f for f, _, _ in FEATURES], attrs
    dst = os.path.join(d, "data", "diabetes.arff")
    if os.path.abspath(arff_path) != os.path.abspath(dst):
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(arff_path, dst)
    mx.made.append(dst)
    classes = attrs[-1][1]  # tested_negative, tested_positive
    X = np.array([[float(v) for v in r[:-1]] for r in rows])
    y = np.array([classes.index(r[-1]) for r in rows])
    cols = [c for _, c, _ in FEATURES]

    rs = np.random.RandomState(mx.SEED)
    parts = split_sites(y, rs)
    site_train, site_test, sites_meta = [], [], []
    for (sid, sname), idx in zip(SITES, parts):
        tr, te = train_test_split(idx, test_size=0.25, stratify=y[idx], random_state=mx.SEED)
        tr, te = np.sort(tr), np.sort(te)
        site_train.append((X[tr], y[tr]))
        site_test.append((X[te], y[te]))
        sites_meta.append({"id": sid, "name": sname, "train_rows": len(tr), "test_rows": len(te),
                           "positive_share": round(float(y[idx].mean()), 4),
                           "train_arff_rows": [int(i) + 1 for i in tr], "test_arff_rows": [int(i) + 1 for i in te]})
    Xte = np.vstack([a for a, _ in site_test])
    yte = np.concatenate([b for _, b in site_test])
    mx.write_csv(os.path.join(d, "data", "test.csv"), cols, Xte, yte)
    start = 0
    for m, (_, yk) in zip(sites_meta, site_test):
        m["test_csv_rows"] = [start + 1, start + len(yk)]  # 1-based data rows of data/test.csv, inclusive
        start += len(yk)
    mx.write_json(os.path.join(d, "data", "sites.json"), {
        "note": "fictitious sites: the rows of data/diabetes.arff (1-based data rows) dealt to four hospitals "
                "by a seeded Dirichlet split of each class (alpha %.1f); each site keeps 25%% of its rows, "
                "stratified, as its test share" % ALPHA,
        "seed": mx.SEED,
        "sites": sites_meta,
    })
    lo, hi = mx.feature_ranges(X)
    mx.write_json(os.path.join(d, "data", "features.json"), {
        "source": "data/diabetes.arff (Pima Indians Diabetes Database, 768 rows; Debian package weka 3.6.14-3), "
                  "split over four fictitious hospitals (data/sites.json)",
        "split": {"by_site": True, "test_share_per_site": 0.25, "stratified": True, "random_state": mx.SEED,
                  "train_rows": int(sum(len(b) for _, b in site_train)), "test_rows": int(len(yte))},
        "label": "label",
        "classes": classes,
        "input_shape": [len(cols)],
        "one_hot_groups": [],
        "integer": [c for c in cols if c in INTEGER],
        "immutable": [c for c in cols if c in IMMUTABLE],
        "features": [{"name": c, "source": a, "meaning": m, "type": "integer" if c in INTEGER else "real",
                      "min": float(l), "max": float(h), "immutable": c in IMMUTABLE,
                      **({"zero_means_missing": True} if c in {"glucose_2h", "diastolic_bp", "triceps_skinfold", "insulin_2h", "bmi"} else {})}
                     for (a, c, m), l, h in zip(FEATURES, lo, hi)],
    })

    # Pooled standardisation from the sites' sufficient statistics.
    cnt = sum(len(b) for _, b in site_train)
    s1 = sum(a.sum(axis=0) for a, _ in site_train)
    s2 = sum((a ** 2).sum(axis=0) for a, _ in site_train)
    mean = s1 / cnt
    std = np.sqrt(np.maximum(s2 / cnt - mean ** 2, 1e-12))

    log = []
    net = fedavg(site_train, mean, std, CLIP, log=log)
    model = mx.WithSoftmax(net).eval()
    mx.export_torch(model, os.path.join(d, "model", "fedavg-mlp.onnx"), [len(cols)], "probabilities", 13)
    X32 = Xte.astype(np.float32)
    s = mx.torch_scores(model, X32)
    lib[NAME + "/fedavg-mlp.onnx"] = {"probabilities": s}

    per_site = {}
    for (sid, _), (Xk, yk) in zip(SITES, site_test):
        per_site[sid] = auc_acc(net, Xk, yk)
    # Baselines a reader can compare FedAvg with: each site alone, and the
    # (in reality impossible) pooled training with the same optimiser.
    baselines = {"local_only": {}, "pooled": None}
    for k, ((sid, _), (Xk, yk)) in enumerate(zip(SITES, site_train)):
        torch.manual_seed(mx.SEED)
        alone = make_net(mean, std)
        for r in range(ROUNDS):
            local_update(alone, Xk, yk, r, k)
        baselines["local_only"][sid] = auc_acc(alone, Xte, yte)
    torch.manual_seed(mx.SEED)
    pooled = make_net(mean, std)
    Xp = np.vstack([a for a, _ in site_train])
    yp = np.concatenate([b for _, b in site_train])
    for r in range(ROUNDS):
        local_update(pooled, Xp, yp, r, 99)
    baselines["pooled"] = auc_acc(pooled, Xte, yte)

    clean = auc_acc(net, Xte, yte)
    attacks = []
    for attacker in (int(np.argmin([len(b) for _, b in site_train])), int(np.argmax([len(b) for _, b in site_train]))):
        plain = fedavg(site_train, mean, std, None, attacker=attacker)
        clipped_log = []
        clipped = fedavg(site_train, mean, std, CLIP, attacker=attacker, log=clipped_log)
        attacks.append({
            "attacker": SITES[attacker][0],
            "attacker_share_of_rows": round(len(site_train[attacker][1]) / cnt, 4),
            "plain_fedavg": auc_acc(plain, Xte, yte),
            "clipped_fedavg": auc_acc(clipped, Xte, yte),
            "attacker_updates_clipped": int(sum(r["clipped"][attacker] for r in clipped_log)),
            "honest_updates_clipped": int(sum(c for r in clipped_log for k, c in enumerate(r["clipped"]) if k != attacker)),
        })
    mx.write_json(os.path.join(d, "model", "poisoning-test.json"), {
        "test": "model-replacement poisoning by one federated participant",
        "made_by": "tools/example_federated.py",
        "attack": {"labels": "flipped at the attacking site", "update_scale": 10.0, "rounds": f"all {ROUNDS}",
                   "note": "the attacking site reports its true row count"},
        "data": "data/test.csv (pooled test shares of the four sites)",
        "aggregation": {"plain": "FedAvg, weighted by row count", "clipped": f"FedAvg with each update clipped to L2 norm {CLIP} (as released)"},
        "released_model_without_attack": clean,
        "attacks": attacks,
        "limits": "one attacker at a time, one attack, fixed seeds; clipping bounds a scaled update but not a "
                  "small, persistent one, and row counts are trusted as the sites report them; "
                  "no secure aggregation, no anomaly detection on updates",
    })
    mx.write_json(os.path.join(d, "model", "fedavg-rounds.json"), {
        "note": "per round, the L2 norm of each site's weight change (site-1..site-4) and whether the server clipped it",
        "clip": CLIP, "rounds": log})

    out = {"fedavg-mlp.onnx": mx.expected_entry(
        "fedavg-mlp.onnx", [len(cols)], "probabilities", "probabilities", ["probabilities"], classes, yte, s,
        f"torch: standardise (pooled site statistics), 8-{HIDDEN}-2 MLP with ReLU, softmax; FedAvg over "
        f"{len(SITES)} sites, {ROUNDS} rounds, {LOCAL_EPOCHS} local epochs of SGD (lr {LR}, batch {BATCH}), "
        f"updates clipped to L2 norm {CLIP}",
        extra={"per_site_test": per_site, "baselines": baselines}, positive=1)}
    mx.write_json(os.path.join(d, "model", "expected.json"), {
        "generator": mx.versions(), "data": "data/test.csv", "models": out,
        "training_parameters": {"algorithm": "FedAvg (McMahan et al., 2017)", "sites": len(SITES), "rounds": ROUNDS,
                                "local_epochs": LOCAL_EPOCHS, "batch": BATCH, "learning_rate": LR,
                                "update_clip_l2": CLIP, "site_split": "data/sites.json",
                                "training_data": "data/diabetes.arff rows listed per site in data/sites.json"},
    })
