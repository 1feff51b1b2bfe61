"""Does a masked LM use word order? Its loss on one masked token at a time (every third position of 400 corpus reviews),
with each review in order and with its tokens shuffled; a bag-of-words model scores both alike.

  python order_probe.py MLM_MODEL_DIR VOCAB_DIR [CORPUS]   (from the repository root, ../shared beside it)

CORPUS defaults to the review corpus the models were trained on; a file they never saw (news_comments.txt.gz) tells
order learnt from memorised reviews apart.
"""
import sys, gzip, torch, torch.nn.functional as F
from transformers import ElectraForMaskedLM, BertTokenizerFast
torch.set_num_threads(1); torch.manual_seed(0)
model = ElectraForMaskedLM.from_pretrained(sys.argv[1]).eval()
tok = BertTokenizerFast.from_pretrained(sys.argv[2])
lines = []
with gzip.open(sys.argv[3] if len(sys.argv) > 3 else '../shared/data/corpus/reviews.txt.gz', 'rt') as f:
    for i,l in enumerate(f):
        if i % 1000 == 0 and len(l) > 40: lines.append(l.strip())
        if len(lines) >= 400: break
mask = tok.mask_token_id
def loss(shuffle):
    tot=n=0
    g=torch.Generator().manual_seed(1)
    for l in lines:
        ids = tok(l, truncation=True, max_length=128)['input_ids']
        body = torch.tensor(ids[1:-1])
        if shuffle: body = body[torch.randperm(len(body), generator=g)]
        x = torch.tensor([ids[0]] + body.tolist() + [ids[-1]])
        for pos in range(1, len(x)-1, 3):
            y = x.clone(); y[pos] = mask
            with torch.no_grad(): lg = model(input_ids=y[None]).logits[0, pos]
            tot += F.cross_entropy(lg[None], x[pos:pos+1]).item(); n += 1
    return tot/n, n
print('in order', loss(False)); print('shuffled', loss(True))
