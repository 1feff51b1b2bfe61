"""Variants of a pretrained checkpoint for the label-efficiency experiment (EXPERIMENTS.md):

  keep-embeddings  the pretrained electra.embeddings.* with every other encoder tensor freshly initialised
  keep-encoder     the pretrained encoder with fresh electra.embeddings.*
  remove-top K     the pretrained model with its word embeddings centred and, for K > 0, their K principal
                   directions projected out ("all-but-the-top", Mu & Viswanath 2018)

usage: mix_checkpoint.py SRC_DIR OUT_DIR keep-embeddings|keep-encoder|remove-top [K]
Fresh tensors follow transformers' ElectraPreTrainedModel._init_weights (seed 0); heads other than electra.* are
copied as they are (a classifier built from the directory ignores them).
"""
import shutil, sys
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

WORD = "electra.embeddings.word_embeddings.weight"


def fresh(name, t, gen):
    if name.endswith("LayerNorm.weight"): return torch.ones_like(t)
    if name.endswith("bias") or "LayerNorm" in name: return torch.zeros_like(t)
    w = torch.normal(0.0, 0.02, t.shape, generator=gen)
    if name == WORD: w[0] = 0  # [PAD]
    return w


def keep(tensors, part):
    gen = torch.Generator().manual_seed(0)
    def kept(n): return n.startswith("electra.embeddings.") == (part == "embeddings")
    return {n: t if not n.startswith("electra.") or kept(n) else fresh(n, t, gen) for n, t in tensors.items()}


def remove_top(tensors, k):
    w = tensors[WORD].float()
    w = w - w[1:].mean(0)
    if k:
        top = torch.linalg.svd(w[1:], full_matrices=False)[2][:k]
        w = w - (w @ top.T) @ top
    w[0] = 0
    return {**tensors, WORD: w}


def main(src, out, mode, k="0"):
    src, out = Path(src), Path(out)
    tensors = load_file(src / "model.safetensors")
    mixed = {"keep-embeddings": lambda: keep(tensors, "embeddings"), "keep-encoder": lambda: keep(tensors, "encoder"),
             "remove-top": lambda: remove_top(tensors, int(k))}[mode]()
    out.mkdir(parents=True, exist_ok=True)
    for f in ["config.json", "vocab.txt", "tokenizer_config.json"]: shutil.copy(src / f, out / f)
    save_file({n: t.contiguous() for n, t in mixed.items()}, str(out / "model.safetensors"), metadata={"format": "pt"})


if __name__ == "__main__":
    main(*sys.argv[1:])
