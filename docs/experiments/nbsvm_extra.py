"""The "n-gram teacher on all of extra" check of docs/EXPERIMENTS.md ("A deeper student"): NBSVM (character 1-5-grams,
C = 3) on the balanced binary file against NSMC train plus all of extra, plain, prior-corrected and class-weighted.

usage (repository root): python3 docs/experiments/nbsvm_extra.py   (needs scikit-learn and runs/nsmc_train_plus_extra_balanced.tsv)
"""
import sys

import numpy as np

sys.path.insert(0, 'docs/experiments')
from nbsvm_check import load, nb_ratios
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
t1, y1 = load('../shared/data/nsmc/train.tsv')
t2, y2 = load('../shared/data/nsmc/extra.tsv')
td, yd = load('../shared/data/nsmc/dev.tsv')
tb, yb = load('runs/nsmc_train_plus_extra_balanced.tsv')
for name, texts, y in [('balanced', tb, yb), ('all', t1 + t2, np.concatenate([y1, y2]))]:
    chars = TfidfVectorizer(analyzer='char', ngram_range=(1, 5), min_df=2, sublinear_tf=True)
    x = chars.fit_transform(texts).tocsr(); xd = chars.transform(td).tocsr()
    r = nb_ratios(x, y); x = x @ r; xd = xd @ r
    for cw in ([None, 'balanced'] if name == 'all' else [None]):
        m = LogisticRegression(C=3, solver='liblinear', tol=0.01, class_weight=cw).fit(x, y)
        p = m.predict_proba(xd)[:, 1]
        acc = ((p > 0.5) == (yd == 1)).mean()
        # Undo the training prior's log-odds so the decision assumes balanced classes, as the dev set is (no dev tuning).
        prior = np.log(y.mean() / (1 - y.mean()))
        logit = np.log(p / (1 - p)) - (prior if cw is None else 0)
        print(name, x.shape, cw, f'acc {acc:.4f} prior-corrected {((logit > 0) == (yd == 1)).mean():.4f}', flush=True)
