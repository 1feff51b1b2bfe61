"""The scikit-learn check behind docs/EXPERIMENTS.md, "A naive Bayes n-gram teacher": character and word n-gram
TF-IDF with logistic regression (liblinear), plain and scaled by naive Bayes log-count ratios (NBSVM), on NSMC dev.

usage: python3 nbsvm_check.py TRAIN.tsv DEV.tsv   (NSMC format: id, document, label; needs scikit-learn)
"""
import sys

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression


def load(path):
    texts, labels = [], []
    with open(path, encoding='utf-8') as f:
        next(f)
        for line in f:
            p = line.rstrip('\n').split('\t')
            if len(p) >= 3 and p[1].strip():
                texts.append(p[1])
                labels.append(int(p[-1]))
    return texts, np.array(labels)


def accuracy(train, y, dev, y_dev, c):
    model = LogisticRegression(C=c, solver='liblinear', tol=0.01).fit(train, y)
    return ((model.predict_proba(dev)[:, 1] > 0.5) == (y_dev == 1)).mean()


def nb_ratios(x, y):
    present = (x > 0).astype(np.float32)
    p = np.asarray(present[y == 1].sum(0)).ravel() + 1
    q = np.asarray(present[y == 0].sum(0)).ravel() + 1
    return sp.diags(np.log((p / p.sum()) / (q / q.sum())))


def main(train_path, dev_path):
    x_text, y = load(train_path)
    d_text, y_dev = load(dev_path)
    words = TfidfVectorizer(analyzer='word', ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r'\S+')
    w, w_dev = words.fit_transform(x_text), words.transform(d_text)
    for n in (4, 5):
        chars = TfidfVectorizer(analyzer='char', ngram_range=(1, n), min_df=2, sublinear_tf=True)
        x, x_dev = chars.fit_transform(x_text).tocsr(), chars.transform(d_text).tocsr()
        r = nb_ratios(x, y)
        for c in (1, 3, 10):
            print(f'char 1-{n} ({x.shape[1]} features) C={c}: plain {accuracy(x, y, x_dev, y_dev, c):.4f}, '
                  f'naive Bayes {accuracy(x @ r, y, x_dev @ r, y_dev, c):.4f}', flush=True)
        if n == 4:
            both, both_dev = sp.hstack([x, w]).tocsr(), sp.hstack([x_dev, w_dev]).tocsr()
            for c in (3, 10):
                print(f'words 1-2 ({w.shape[1]} features) C={c}: {accuracy(w, y, w_dev, y_dev, c):.4f}; '
                      f'with char 1-4: {accuracy(both, y, both_dev, y_dev, c):.4f}', flush=True)


if __name__ == '__main__':
    main(*sys.argv[1:3])
