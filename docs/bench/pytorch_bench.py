"""PyTorch + transformers beside `raccoon bench --case ...`: the same cases, shapes, random data and timing rule, on the
CPU or a GPU, in fp32, TF32 or bf16 autocast. For the side-by-side on the GPU machine (issue "CUDA backend"):

    python docs/bench/pytorch_bench.py --device cuda --precision tf32 --case inference,finetune,pretrain
    python docs/bench/pytorch_bench.py --device cuda --precision bf16 --case finetune,pretrain
    python docs/bench/pytorch_bench.py --device cuda --case inference --batch-size 256

Cases (defaults as in BenchCommand): inference, a classifier's forward pass (batch 1 and 32 of 64 tokens); finetune,
a classifier's training step (forward, backward, clipping at 1.0, AdamW; batch 32 of 64); pretrain, an ELECTRA step
(discriminator plus a generator of 1/4 the hidden size sharing the embeddings, 15 % of the tokens chosen, 85 % of
those masked, Gumbel-max sampling, loss = MLM + 50 x replaced-token BCE, AdamW; batch 128 of 128). Every timed call
ends by reading a value back to the host, as Raccoon's steps do, so a GPU call is timed to completion. GFLOP/s count
the matrix products of the whole model, 3 x forward for a training step (Raccoon's inference count leaves out the
last layer's non-[CLS] rows: compare examples/s and tokens/s).
"""
import argparse
import os

import torch
import torch.nn.functional as F
from transformers import ElectraConfig, ElectraForMaskedLM, ElectraForPreTraining, ElectraForSequenceClassification

from pytorch_cpu_bench import forward_flops, seconds_per_call

CONFIGS = {
    "tiny": dict(embedding_size=64, hidden_size=128, num_hidden_layers=2, num_attention_heads=2, intermediate_size=256),
    "mini": dict(embedding_size=128, hidden_size=256, num_hidden_layers=4, num_attention_heads=4, intermediate_size=1024),
    "small": dict(embedding_size=128, hidden_size=256, num_hidden_layers=12, num_attention_heads=4, intermediate_size=1024),
}
VOCAB = 32200


def encoder_flops(c, tokens, seq):
    """Forward FLOPs of the encoder on `tokens` tokens in sequences of `seq`, as raccoon's Flops.encoder counts them."""
    h, e, f = c.hidden_size, c.embedding_size, c.intermediate_size
    projection = 2 * tokens * e * h if e != h else 0
    return projection + c.num_hidden_layers * tokens * (2 * 4 * h * h + 2 * 2 * seq * h + 2 * 2 * h * f)


def generator_config(d, fraction=0.25):
    """ELECTRA's get_generator_config, as raccoon's Pretraining.generatorConfig: same head size, fewer heads."""
    hidden = max(1, round(d.hidden_size * fraction))
    heads = max(1, hidden // (d.hidden_size // d.num_attention_heads))
    while hidden % heads:
        heads -= 1
    return ElectraConfig(**{**d.to_dict(), "hidden_size": hidden, "num_attention_heads": heads,
                            "intermediate_size": max(1, round(d.intermediate_size * fraction))})


def optimizer(params, eps):
    params = list(params)
    decay = [p for n, p in params if not (n.endswith("bias") or "LayerNorm" in n)]
    rest = [p for n, p in params if n.endswith("bias") or "LayerNorm" in n]
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
                             lr=1e-5, eps=eps)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--case", default="inference", help="inference, finetune and/or pretrain, comma-separated")
    p.add_argument("--config", default="small", choices=list(CONFIGS))
    p.add_argument("--batch-size", help="batch sizes, comma-separated (default: inference 1,32; finetune 32; pretrain 128)")
    p.add_argument("--tokens", type=int, help="tokens per example (default: 64; pretrain 128)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--precision", default="fp32", choices=["fp32", "tf32", "bf16"],
                   help="tf32: fp32 weights, TF32 matrix products; bf16: fp32 weights under bf16 autocast")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--seconds", type=float, default=5)
    a = p.parse_args()

    torch.manual_seed(42)
    torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = a.precision == "tf32"
    autocast = lambda: torch.autocast(device.type, dtype=torch.bfloat16, enabled=a.precision == "bf16")
    config = ElectraConfig(vocab_size=VOCAB, num_labels=2, **CONFIGS[a.config])
    sizes = [int(b) for b in a.batch_size.split(",")] if a.batch_size else None
    generator = torch.Generator().manual_seed(7)

    def batch(b, seq):
        return torch.randint(5, VOCAB, (b, seq), generator=generator).to(device)

    def report(what, b, seq, s, flops):
        print(f"{'pytorch %s %s %dx%d' % (a.config, what, b, seq):40s} {a.threads if device.type == 'cpu' else 0:8d} "
              f"{b / s:12.1f} {b * seq / s:12.0f} {s * 1e3:10.2f} {flops / s / 1e9:10.1f}", flush=True)

    print(f"torch {torch.__version__}, device {device}"
          f"{' (' + torch.cuda.get_device_name(device) + ')' if device.type == 'cuda' else ''}, {a.precision}")
    print(f"{'case':40s} {'threads':>8s} {'examples/s':>12s} {'tokens/s':>12s} {'ms/batch':>10s} {'GFLOP/s':>10s}")
    for case in a.case.split(","):
        if case == "inference":
            model = ElectraForSequenceClassification(config).to(device).eval()
            seq = a.tokens or 64
            for b in sizes or [1, 32]:
                ids = batch(b, seq)
                mask = torch.ones_like(ids)
                with torch.inference_mode(), autocast():
                    s = seconds_per_call(lambda: model(input_ids=ids, attention_mask=mask).logits.float().sum().item(),
                                         a.seconds)
                report("inference", b, seq, s, b * forward_flops(config, seq))
        elif case == "finetune":
            model = ElectraForSequenceClassification(config).to(device).train()
            opt = optimizer(model.named_parameters(), 1e-8)
            seq = a.tokens or 64
            for b in sizes or [32]:
                ids = batch(b, seq)
                mask = torch.ones_like(ids)
                labels = (torch.arange(b) % 2).to(device)

                def step():
                    opt.zero_grad(set_to_none=True)
                    with autocast():
                        loss = F.cross_entropy(model(input_ids=ids, attention_mask=mask).logits.float(), labels)
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    opt.step()
                    return loss.item()

                report("finetune", b, seq, seconds_per_call(step, a.seconds), 3 * b * forward_flops(config, seq))
        elif case == "pretrain":
            disc = ElectraForPreTraining(config).to(device).train()
            gconf = generator_config(config)
            gen = ElectraForMaskedLM(gconf).to(device).train()
            gen.electra.embeddings = disc.electra.embeddings
            gen.generator_lm_head.weight = disc.electra.embeddings.word_embeddings.weight
            named = {id(q): (n, q) for m in (disc, gen) for n, q in m.named_parameters()}.values()
            opt = optimizer(named, 1e-6)
            params = [q for _, q in named]
            seq = a.tokens or 128
            for b in sizes or [128]:
                ids = batch(b, seq)
                attn = torch.ones_like(ids)

                def step():
                    opt.zero_grad(set_to_none=True)
                    chosen = torch.rand(ids.shape, device=device) < 0.15
                    inputs = ids.masked_fill(chosen & (torch.rand(ids.shape, device=device) < 0.85), 4)
                    with autocast():
                        hidden = gen.electra(input_ids=inputs, attention_mask=attn).last_hidden_state[chosen]
                        logits = gen.generator_lm_head(gen.generator_predictions(hidden)).float()
                        mlm = F.cross_entropy(logits, ids[chosen])
                        with torch.no_grad():
                            gumbel = -torch.log(-torch.log(torch.rand_like(logits).clamp_min(1e-20)))
                            sampled = (logits.log_softmax(-1) + gumbel).argmax(-1)
                        d_ids = ids.clone()
                        d_ids[chosen] = sampled
                        d_logits = disc(input_ids=d_ids, attention_mask=attn).logits.float()
                        disc_loss = F.binary_cross_entropy_with_logits(d_logits, (d_ids != ids).float())
                    loss = mlm + 50 * disc_loss
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(params, 1.0)
                    opt.step()
                    return loss.item()

                chosen_rows = 0.15 * b * seq
                flops = 3 * (encoder_flops(gconf, b * seq, seq) + 2 * chosen_rows * (gconf.hidden_size * gconf.embedding_size
                             + gconf.embedding_size * VOCAB) + encoder_flops(config, b * seq, seq)
                             + 2 * b * seq * (config.hidden_size ** 2 + config.hidden_size))
                report("pretrain electra", b, seq, seconds_per_call(step, a.seconds), flops)
        else:
            raise SystemExit(f"--case takes inference, finetune or pretrain, not {case!r}")


if __name__ == "__main__":
    main()
