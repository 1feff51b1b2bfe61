"""How much a count-based neighbour model could tell a replaced-token detector: the information (nats per token,
beyond the base rate) of a naive-Bayes left+right bigram detector on NSMC-style reviews where 15 % of the tokens are
replaced by draws from the unigram distribution. Counts from the first 400,000 corpus lines, scored on the last 20,000.

  python bigram_detector.py VOCAB_DIR     (from the repository root, ../shared beside it)
"""
import gzip, math, collections, random, sys
from transformers import BertTokenizerFast
tok = BertTokenizerFast.from_pretrained(sys.argv[1])
lines=[l.strip() for l in gzip.open('../shared/data/corpus/reviews.txt.gz','rt') if l.strip()]
train, held = lines[:400000], lines[-20000:]
uni=collections.Counter(); left=collections.Counter(); ctxl=collections.Counter(); right=collections.Counter(); ctxr=collections.Counter()
for s in range(0,len(train),10000):
    for ids in tok(train[s:s+10000])['input_ids']:
        uni.update(ids[1:-1])
        for a,b,c in zip(ids[:-2], ids[1:-1], ids[2:]):
            left[(a,b)]+=1; ctxl[a]+=1; right[(c,b)]+=1; ctxr[c]+=1
N=sum(uni.values()); V=len(tok)
toks=list(uni.keys()); w=[uni[t] for t in toks]
def pu(b): return (uni[b]+0.1)/(N+0.1*V)
def pb(tab, ctx, a, b): return 0.5*(tab[(a,b)]/ctx[a] if ctx[a] else 0)+0.5*pu(b)
random.seed(0); q=0.15
ce=0; n=0; rep=0
for ids in tok(held)['input_ids']:
    body=ids[1:-1]
    cor=[random.choices(toks,w)[0] if random.random()<q else t for t in body]
    seq=[ids[0]]+cor+[ids[-1]]
    for i in range(1,len(seq)-1):
        a,b,c=seq[i-1],seq[i],seq[i+1]
        y = 1 if seq[i]!=ids[i] else 0
        # odds of "replaced": q*pu(b) against (1-q)*P(b|neighbours) with each side's bigram as a naive-Bayes factor
        orig = pb(left,ctxl,a,b)*pb(right,ctxr,c,b)/pu(b)
        p = q*pu(b)/(q*pu(b)+(1-q)*orig)
        p=min(max(p,1e-6),1-1e-6)
        ce-= math.log(p) if y else math.log(1-p); n+=1; rep+=y
r=rep/n; H=-(r*math.log(r)+(1-r)*math.log(1-r))
print(sys.argv[1], 'replaced share', round(r,4), 'base entropy', round(H,4), 'detector CE', round(ce/n,4), 'information', round(H-ce/n,4))
