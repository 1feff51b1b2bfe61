"""Averages pretraining logs (Raccoon's pretrain_log.jsonl or pytorch_pretrain.py's) over windows of steps, side by side.

  python3 compare_logs.py --window 100 raccoon=runs/pre/electra-mask0.15/pretrain_log.jsonl torch=runs/torch/electra.jsonl
"""
import argparse, json, math

KEYS = ["mlm_loss", "mlm_accuracy", "disc_loss", "disc_accuracy", "disc_base_rate"]


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
    print("| steps | " + " | ".join(f"{n}: MLM loss | {n}: disc. acc. − base (pt)" for n, _ in runs) + " |")
    print("|---" * (1 + 2 * len(runs)) + "|")
    for w in sorted(set().union(*(r.keys() for _, r in runs))):
        cells = []
        for _, r in runs:
            v = r.get(w)
            if v is None:
                cells += ["", ""]
                continue
            cells.append(f"{v['mlm_loss']:.3f}")
            gap = (v["disc_accuracy"] - v["disc_base_rate"]) * 100 if "disc_accuracy" in v else math.nan
            cells.append("–" if math.isnan(gap) else f"{gap:+.2f}")
        print(f"| {w * a.window + 1}–{(w + 1) * a.window} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
