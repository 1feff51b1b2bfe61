"""Summarises label_efficiency.sh's runs: dev accuracy after the last epoch (mean ± sd over seeds) per start,
number of labelled rows and learning rate, as a Markdown table; with OUT.tsv also as "start, rows, lr, mean, sd"
rows for PlotLabelEfficiency.java. usage: label_table.py runs/low [OUT.tsv]"""
import glob, json, os, re, statistics, sys

runs = {}
for done in glob.glob(os.path.join(sys.argv[1], "*", "DONE")):
    run = os.path.dirname(done)
    start, n, seed, lr = re.fullmatch(r"(.+)-(\d+)-s(\d+)-lr(.+)", os.path.basename(run)).groups()
    dev = [json.loads(l)["dev_accuracy"] for l in open(os.path.join(run, "train_log.jsonl")) if "dev_accuracy" in l]
    runs.setdefault((int(n), lr, start), []).append(dev[-1])
tsv = open(sys.argv[2], "w") if len(sys.argv) > 2 else None
print("| rows | lr | start | seeds | dev accuracy after the last epoch |\n|---|---|---|---|---|")
for (n, lr, start), acc in sorted(runs.items()):
    sd = statistics.stdev(acc) if len(acc) > 1 else 0
    print(f"| {n:,} | {lr} | {start} | {len(acc)} | {100 * statistics.mean(acc):.2f} ± {100 * sd:.2f} |")
    if tsv: tsv.write(f"{start}\t{n}\t{lr}\t{statistics.mean(acc)}\t{sd}\n")
