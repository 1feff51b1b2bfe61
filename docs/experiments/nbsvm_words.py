# Does a word uni/bigram block beside the char 1-5 block lift the NBSVM teacher? (balanced train+extra, NSMC dev)
import sys, numpy as np, scipy.sparse as sp
sys.path.insert(0, 'docs/experiments')
from nbsvm_check import load, nb_ratios
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
tb, yb = load('runs/nsmc_train_plus_extra_balanced.tsv')
td, yd = load('../shared/data/nsmc/dev.tsv')
chars = TfidfVectorizer(analyzer='char', ngram_range=(1, 5), min_df=2, sublinear_tf=True)
words = TfidfVectorizer(analyzer='word', token_pattern=r'\S+', ngram_range=(1, 2), min_df=2, sublinear_tf=True)
xc = chars.fit_transform(tb).tocsr(); xcd = chars.transform(td).tocsr()
xw = words.fit_transform(tb).tocsr(); xwd = words.transform(td).tocsr()
rc = nb_ratios(xc, yb); rw = nb_ratios(xw, yb)
xc = xc @ rc; xcd = xcd @ rc; xw = xw @ rw; xwd = xwd @ rw
for name, x, xd in [('char', xc, xcd), ('char+word', sp.hstack([xc, xw]).tocsr(), sp.hstack([xcd, xwd]).tocsr()),
                    ('char+0.5word', sp.hstack([xc, 0.5 * xw]).tocsr(), sp.hstack([xcd, 0.5 * xwd]).tocsr())]:
    m = LogisticRegression(C=3, solver='liblinear', tol=0.01).fit(x, yb)
    p = m.predict_proba(xd)[:, 1]
    print(name, x.shape, f'acc {((p > 0.5) == (yd == 1)).mean():.4f}', flush=True)
    np.savetxt(f'runs/dev-nbsvm-{name}.txt', np.c_[1 - p, p], fmt='%.6f', delimiter='\t')
