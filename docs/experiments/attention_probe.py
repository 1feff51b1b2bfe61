"""Where the encoders attend: per layer, the share of [CLS]'s attention on the first three positions, the entropy of
[CLS]'s attention (1 = uniform over the review, 0 = one position), and the share of every other token's attention on
its two neighbours, averaged over heads and 200 corpus reviews.

  python attention_probe.py MODEL_DIR[,MODEL_DIR...] VOCAB_DIR   (from the repository root, ../shared beside it)
"""
import sys, gzip, torch, math
from transformers import ElectraModel, BertTokenizerFast
torch.set_num_threads(1)
tok = BertTokenizerFast.from_pretrained(sys.argv[2])
lines = []
with gzip.open('../shared/data/corpus/reviews.txt.gz','rt') as f:
    for i,l in enumerate(f):
        if i % 1000 == 0 and len(l) > 40: lines.append(l.strip())
        if len(lines) >= 200: break
for d in sys.argv[1].split(','):
    m = ElectraModel.from_pretrained(d, attn_implementation='eager').eval()
    stats = None
    for l in lines:
        x = tok(l, return_tensors='pt', truncation=True, max_length=128)
        with torch.no_grad(): out = m(**x, output_attentions=True)
        row = []
        for a in out.attentions:          # [1, heads, seq, seq]
            p = a[0, :, 0, :]              # heads x seq: where [CLS] looks
            n = p.shape[-1]
            near = p[:, :3].sum(-1).mean().item()
            ent = (-(p.clamp_min(1e-12).log() * p).sum(-1) / math.log(n)).mean().item()
            tokp = a[0, :, 1:-1, :]        # the other tokens: mass on their immediate neighbours
            idx = torch.arange(1, n-1)
            nb = (tokp[:, torch.arange(n-2), idx-1] + tokp[:, torch.arange(n-2), idx+1]).mean().item()
            row.append((near, ent, nb))
        stats = row if stats is None else [tuple(s+r for s, r in zip(a_, b_)) for a_, b_ in zip(stats, row)]
    print(d, ' | '.join(f'layer {i}: CLS on first 3 {s[0]/len(lines):.2f}, CLS entropy {s[1]/len(lines):.2f}, tokens on neighbours {s[2]/len(lines):.2f}' for i, s in enumerate(stats)))
