"""Geometry of a checkpoint's word embeddings (ids 5-7,999): mean row norm, mean cosine between two of the first
2,000 tokens, and the share of variance on the top principal directions. usage: embedding_geometry.py DIR..."""
import sys

import torch
from safetensors.torch import load_file

for d in sys.argv[1:]:
    w = load_file(d + "/model.safetensors")["electra.embeddings.word_embeddings.weight"][5:8000].float()
    unit = torch.nn.functional.normalize(w[:2000], dim=1)
    cos = (unit @ unit.T)[~torch.eye(2000, dtype=torch.bool)]
    s2 = torch.linalg.svdvals(w) ** 2
    s2 = s2 / s2.sum()
    print(f"{d}: row norm {w.norm(dim=1).mean():.3f}, mean cosine {cos.mean():.3f}, "
          f"top direction {100 * s2[0]:.1f} %, top 5 {100 * s2[:5].sum():.1f} %")
