"""PyTorch and ONNX Runtime on the CPU with the shapes and timing rule of `raccoon bench`.

ELECTRA-small classifier (embedding 128, hidden 256, 12 layers, 4 heads, FFN 1024, vocab 32200, random weights),
batch 1 and 32 of 64 random tokens with a full attention mask, and a 512x768x768 matrix product. Each case warms up
for a third of --seconds and reports the mean over the rest (at least three calls), as BenchCommand.time does for
every case of `raccoon bench`, GEMM included (until 2026-11-25 bench reported GEMM's best 50-ms round instead).

    python docs/bench/pytorch_cpu_bench.py --threads 1,2 --seconds 6
"""
import argparse
import os
import tempfile
import time

import torch
from transformers import ElectraConfig, ElectraForSequenceClassification


def seconds_per_call(task, seconds):
    warm_end = time.perf_counter() + seconds / 3
    while True:
        task()
        if time.perf_counter() >= warm_end:
            break
    start = time.perf_counter()
    end = start + seconds * 2 / 3
    runs = 0
    while True:
        task()
        runs += 1
        if time.perf_counter() >= end and runs >= 3:
            break
    return (time.perf_counter() - start) / runs


def forward_flops(c, seq):
    """2 FLOPs per multiply-add of the matrix products of the whole model, which PyTorch runs; BenchCommand.forwardFlops
    counts less, as Raccoon runs the last layer after attention on the [CLS] rows only. Compare examples/s, not GFLOP/s."""
    h, f = c.hidden_size, c.intermediate_size
    per_token = 2 * c.embedding_size * h if c.embedding_size != h else 0
    per_token += c.num_hidden_layers * (4 * 2 * h * h + 2 * 2 * h * f + 2 * 2 * seq * h)
    return per_token * seq + 2 * h * h + 2 * h * c.num_labels


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--no-onnx", action="store_true")
    args = parser.parse_args()

    torch.manual_seed(42)
    config = ElectraConfig(vocab_size=32200, embedding_size=128, hidden_size=256, num_hidden_layers=12,
                           num_attention_heads=4, intermediate_size=1024, num_labels=2)
    model = ElectraForSequenceClassification(config).eval()
    flops = forward_flops(config, args.tokens)
    generator = torch.Generator().manual_seed(7)
    batches = {b: torch.randint(5, config.vocab_size, (b, args.tokens), generator=generator) for b in (1, 32)}

    onnx_path = None
    if not args.no_onnx:
        import onnxruntime as ort
        onnx_path = os.path.join(tempfile.mkdtemp(), "electra-small.onnx")
        ids = batches[32]
        torch.onnx.export(model, (ids, torch.ones_like(ids)), onnx_path, input_names=["input_ids", "attention_mask"],
                          output_names=["logits"], dynamic_axes={"input_ids": {0: "b", 1: "s"},
                                                                 "attention_mask": {0: "b", 1: "s"}},
                          dynamo=False)

    print(f"torch {torch.__version__}, {os.cpu_count()} cores")
    print(f"{'case':40s} {'threads':>8s} {'examples/s':>12s} {'ms/batch':>10s} {'GFLOP/s':>10s}")
    for threads in (int(t) for t in args.threads.split(",")):
        torch.set_num_threads(threads)
        for size, ids in batches.items():
            mask = torch.ones_like(ids)
            with torch.inference_mode():
                s = seconds_per_call(lambda: model(input_ids=ids, attention_mask=mask).logits, args.seconds)
            print(f"{'pytorch electra-small batch %dx%d' % (size, args.tokens):40s} {threads:8d} "
                  f"{size / s:12.1f} {s * 1e3:10.2f} {size / s * flops / 1e9:10.1f}", flush=True)
        a, b = torch.randn(512, 768), torch.randn(768, 768)
        s = seconds_per_call(lambda: torch.mm(a, b), args.seconds)
        print(f"{'pytorch gemm 512x768x768':40s} {threads:8d} {'':12s} {'':10s} {2 * 512 * 768 * 768 / s / 1e9:10.1f}",
              flush=True)
        if onnx_path:
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
            for size, ids in batches.items():
                feed = {"input_ids": ids.numpy(), "attention_mask": torch.ones_like(ids).numpy()}
                s = seconds_per_call(lambda: session.run(["logits"], feed), args.seconds)
                print(f"{'onnxruntime electra-small batch %dx%d' % (size, args.tokens):40s} {threads:8d} "
                      f"{size / s:12.1f} {s * 1e3:10.2f} {size / s * flops / 1e9:10.1f}", flush=True)


if __name__ == "__main__":
    main()
