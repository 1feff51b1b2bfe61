"""Raccoon's `pretrain` recipe in PyTorch + transformers, to tell the engine apart from the recipe.

Same corpus packing as PackedCorpus ([CLS] line [SEP] line [SEP] ... up to 128 tokens), same configs as
`--config tiny` and `--generator-fraction`, same masking (electra: 85 % [MASK] / 15 % kept; mlm: 80/10/10), the same
losses (generator MLM on the chosen rows + 50 x discriminator BCE over real tokens), AdamW (beta 0.9/0.999, eps 1e-6,
weight decay 0.01 except biases and LayerNorms), linear warmup and decay, clipping 1.0. Writes a JSON line every
--log-every steps with the keys of Raccoon's pretrain_log.jsonl, so the two logs compare directly.

  python pytorch_pretrain.py --objective electra --corpus ../shared/data/corpus/reviews.txt.gz \
      --vocab runs/vocab-reviews-32k-a4000 --steps 2000 --batch-size 32 --lr 5e-4 --out runs/torch/electra.jsonl
"""
import argparse, gzip, json, math, time

import numpy as np
import torch
import torch.nn.functional as F
from transformers import BertTokenizerFast, ElectraConfig, ElectraForMaskedLM, ElectraForPreTraining

TINY = dict(embedding_size=64, hidden_size=128, num_hidden_layers=2, num_attention_heads=2, intermediate_size=256)


def pack(paths, tokenizer, seq_len, cls, sep, pad):
    seqs, current = [], []

    def close():
        seqs.append(current + [pad] * (seq_len - len(current)))
        return []

    for path in paths:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            lines = [l.rstrip("\n") for l in f if l.strip()]
        for start in range(0, len(lines), 10000):
            for ids in tokenizer(lines[start:start + 10000], add_special_tokens=False)["input_ids"]:
                frm, to = 0, len(ids)
                while frm < to:
                    if not current:
                        current = [cls]
                    room = seq_len - len(current) - 1
                    if to - frm > room and len(current) > 1:
                        current = close()
                        continue
                    take = min(room, to - frm)
                    current = current + ids[frm:frm + take] + [sep]
                    frm += take
                    if len(current) >= seq_len - 1:
                        current = close()
    if len(current) > 1:
        close()
    return torch.tensor(seqs, dtype=torch.long)


def sinusoids(positions, dim):
    pos = torch.arange(positions, dtype=torch.float32)[:, None]
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, dim, 2, dtype=torch.float32) / dim)
    table = torch.zeros(positions, dim)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq)
    return table


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--objective", choices=["electra", "mlm", "unigram-rtd"], required=True,
                   help="unigram-rtd: a diagnostic, the discriminator alone, the chosen tokens replaced by draws from "
                        "the corpus's unigram distribution instead of a generator's samples")
    p.add_argument("--corpus", nargs="+", required=True)
    p.add_argument("--vocab", required=True, help="a directory with vocab.txt and tokenizer_config.json")
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seq-length", type=int, default=128)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--warmup", type=float, default=0.1)
    p.add_argument("--generator-fraction", type=float, default=0.25)
    p.add_argument("--mask-prob", type=float, default=0.15)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--position-init", choices=["normal", "sinusoidal"], default="normal",
                   help="sinusoidal: the position table starts as Vaswani et al.'s encoding scaled to the normal init's RMS")
    p.add_argument("--position-scale", type=float, default=1.0, help="multiplies the position table's initial values")
    p.add_argument("--replacement", choices=["unigram", "left-copy"], default="unigram",
                   help="for unigram-rtd: draw the replacement from the unigram distribution, or copy the left "
                        "neighbour (detectable by comparing a token with the one before it, nothing else)")
    p.add_argument("--init", help="start the discriminator's (or MLM's) encoder from this Hugging Face directory")
    p.add_argument("--layers", type=int, default=TINY["num_hidden_layers"], help="encoder depth (tiny: 2)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--out", required=True, help="the JSON-lines log to write")
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    rng = np.random.default_rng(a.seed)

    tok = BertTokenizerFast.from_pretrained(a.vocab)  # transformers 5 ignores vocab_file= in the constructor
    if len(tok) < 100:
        raise SystemExit(f"{a.vocab}: the tokenizer has only {len(tok)} tokens")
    pad, cls, sep, mask = (tok.convert_tokens_to_ids(t) for t in ["[PAD]", "[CLS]", "[SEP]", "[MASK]"])
    data = pack(a.corpus, tok, a.seq_length, cls, sep, pad)
    vocab = len(tok.get_vocab())
    print(f"{len(data)} sequences, {(data != pad).sum().item()} real tokens, vocabulary {vocab}", flush=True)

    common = dict(vocab_size=vocab, hidden_dropout_prob=a.dropout, attention_probs_dropout_prob=a.dropout,
                  max_position_embeddings=512, type_vocab_size=2, layer_norm_eps=1e-12, pad_token_id=pad)
    tiny = {**TINY, "num_hidden_layers": a.layers}
    dconf = ElectraConfig(**tiny, **common)
    if a.objective == "electra":
        hidden = round(tiny["hidden_size"] * a.generator_fraction)
        heads = max(1, hidden // (tiny["hidden_size"] // tiny["num_attention_heads"]))
        gconf = ElectraConfig(**{**tiny, "hidden_size": hidden, "num_attention_heads": heads,
                                 "intermediate_size": round(tiny["intermediate_size"] * a.generator_fraction)}, **common)
        disc = ElectraForPreTraining(dconf)
        gen = ElectraForMaskedLM(gconf)
        gen.electra.embeddings = disc.electra.embeddings  # word, position and token-type tables shared
        gen.generator_lm_head.weight = disc.electra.embeddings.word_embeddings.weight
        modules = [disc, gen]
    elif a.objective == "mlm":
        gen = ElectraForMaskedLM(dconf)
        modules = [gen]
    else:
        disc = ElectraForPreTraining(dconf)
        modules = [disc]
        counts = torch.bincount(data.flatten(), minlength=vocab).float()
        counts[[pad, cls, sep, mask]] = 0
        unigram = counts / counts.sum()
    if a.init:
        start_from = ElectraForMaskedLM.from_pretrained(a.init).electra.state_dict()
        missing, unexpected = modules[0].electra.load_state_dict(start_from, strict=False)
        if missing or unexpected:
            raise SystemExit(f"{a.init}: does not fit the encoder: missing {missing}, unexpected {unexpected}")
    table = modules[0].electra.embeddings.position_embeddings.weight
    with torch.no_grad():
        if a.position_init == "sinusoidal":
            table.copy_(sinusoids(*table.shape) * (dconf.initializer_range / 0.5 ** 0.5))
        table.mul_(a.position_scale)
    params = {id(q): (n, q) for m in modules for n, q in m.named_parameters()}.values()
    decay = [q for n, q in params if not (n.endswith("bias") or "LayerNorm" in n)]
    no_decay = [q for n, q in params if n.endswith("bias") or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.999), eps=1e-6)
    warm = max(1, round(a.warmup * a.steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (a.steps - s) / max(1, a.steps - warm)))
    all_params = [q for _, q in params]
    for m in modules:
        m.train()

    special = torch.zeros(vocab, dtype=torch.bool)
    special[[pad, cls, sep, mask]] = True
    order, cursor = rng.permutation(len(data)), 0
    acc = dict(loss=0.0, mlm=0.0, disc=0.0, mlm_ok=0, chosen=0, d_ok=0, real=0, orig=0, tokens=0, n=0)
    window_start = time.time()
    with open(a.out, "w") as log:
        for step in range(1, a.steps + 1):
            if cursor + a.batch_size > len(order):
                order, cursor = rng.permutation(len(data)), 0
            ids = data[order[cursor:cursor + a.batch_size]]
            cursor += a.batch_size
            attn = (ids != pad).long()
            acc["tokens"] += attn.sum().item()
            chosen = (torch.rand(ids.shape) < a.mask_prob) & ~special[ids]
            inputs = ids.clone()
            r = torch.rand(ids.shape)
            if a.objective == "electra":
                inputs[chosen & (r < 0.85)] = mask
            else:
                inputs[chosen & (r < 0.8)] = mask
                rnd = chosen & (r >= 0.8) & (r < 0.9)
                inputs[rnd] = torch.randint(5, vocab, (int(rnd.sum()),))
            labels = ids[chosen]
            loss = torch.zeros(())
            if a.objective != "unigram-rtd":
                hidden = gen.electra(input_ids=inputs, attention_mask=attn).last_hidden_state[chosen]
                logits = gen.generator_lm_head(gen.generator_predictions(hidden))
                mlm = F.cross_entropy(logits, labels)
                loss = loss + mlm
                acc["mlm"] += mlm.item()
                acc["mlm_ok"] += (logits.argmax(-1) == labels).sum().item()
                acc["chosen"] += len(labels)
            if a.objective != "mlm":
                d_ids = ids.clone()
                if a.objective == "electra":
                    with torch.no_grad():  # Gumbel-max sampling: no gradient reaches the generator from here
                        gumbel = -torch.log(-torch.log(torch.rand(logits.shape).clamp_min(1e-20)))
                        d_ids[chosen] = (logits.float().log_softmax(-1) + gumbel).argmax(-1)
                elif a.replacement == "unigram":
                    d_ids[chosen] = torch.multinomial(unigram, len(labels), replacement=True)
                else:
                    d_ids[:, 1:][chosen[:, 1:]] = ids[:, :-1][chosen[:, 1:]]
                replaced = (d_ids != ids).float()
                d_logits = disc(input_ids=d_ids, attention_mask=attn).logits
                real = attn.bool()
                disc_loss = F.binary_cross_entropy_with_logits(d_logits[real], replaced[real])
                loss = loss + 50 * disc_loss
                acc["disc"] += disc_loss.item()
                acc["d_ok"] += ((d_logits[real] > 0).float() == replaced[real]).sum().item()
                acc["real"] += real.sum().item()
                acc["orig"] += (replaced[real] == 0).sum().item()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(all_params, 1.0)
            opt.step()
            sched.step()
            acc["loss"] += loss.item()
            acc["n"] += 1
            if step % a.log_every == 0 or step == a.steps:
                n = acc["n"]
                row = dict(step=step, loss=acc["loss"] / n, lr=sched.get_last_lr()[0],
                           tokens_per_s=round(acc["tokens"] / (time.time() - window_start)))  # real tokens, as Raccoon
                if a.objective != "unigram-rtd":
                    row.update(mlm_loss=acc["mlm"] / n, mlm_accuracy=acc["mlm_ok"] / max(1, acc["chosen"]))
                if a.objective != "mlm":
                    row.update(disc_loss=acc["disc"] / n, disc_accuracy=acc["d_ok"] / acc["real"],
                               disc_base_rate=acc["orig"] / acc["real"])
                log.write(json.dumps(row) + "\n")
                log.flush()
                if step % (a.log_every * 10) == 0:
                    print(json.dumps(row), flush=True)
                acc = dict.fromkeys(acc, 0)
                window_start = time.time()


if __name__ == "__main__":
    main()
