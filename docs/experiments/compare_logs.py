"""Averages pretraining logs (Raccoon's pretrain_log.jsonl or pytorch_pretrain.py's) over windows of steps, side by side.

  python3 compare_logs.py --window 100 raccoon=runs/pre/electra-mask0.15/pretrain_log.jsonl torch=runs/torch/electra.jsonl
"""
import argparse, json, math

KEYS = ["mlm_loss", "mlm_accuracy", "disc_loss", "disc_accuracy", "disc_base_rate"]


def entropy(p):
    """The loss of answering the base rate everywhere: what the discriminator knows beyond it is this minus its loss."""
    return -(p * math.log(p) + (1 - p) * math.log(1 - p))


def windows(path, width, last):
    sums = {}
    for line in open(path):
        row = json.loads(line)
        if row["step"] > last:
            break
        w = (row["step"] - 1) // width
        acc = sums.setdefault(w, {k: [] for k in KEYS})
        for k in KEYS:
            if k in row:
                acc[k].append(row[k])
    return {w: {k: sum(v) / len(v) for k, v in acc.items() if v} for w, acc in sums.items()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--window", type=int, default=100)
    p.add_argument("--last", type=int, default=10 ** 9, help="ignore steps after this one")
    p.add_argument("logs", nargs="+", help="NAME=PATH")
    a = p.parse_args()
    runs = [(name, windows(path, a.window, a.last)) for name, path in (s.split("=", 1) for s in a.logs)]
    print("| steps | " + " | ".join(f"{n}: MLM loss | {n}: disc. acc. − base (pt) | {n}: disc. information (nats/token)"
                                   for n, _ in runs) + " |")
    print("|---" * (1 + 3 * len(runs)) + "|")
    for w in sorted(set().union(*(r.keys() for _, r in runs))):
        cells = []
        for _, r in runs:
            v = r.get(w)
            if v is None:
                cells += ["", "", ""]
                continue
            cells.append(f"{v['mlm_loss']:.3f}" if "mlm_loss" in v else "–")
            if "disc_accuracy" not in v:
                cells += ["–", "–"]
                continue
            cells.append(f"{(v['disc_accuracy'] - v['disc_base_rate']) * 100:+.2f}")
            cells.append(f"{entropy(v['disc_base_rate']) - v['disc_loss']:+.4f}")
        print(f"| {w * a.window + 1}–{(w + 1) * a.window} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
