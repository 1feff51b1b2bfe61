# Collects the experiment's rows into exp/results.tsv (for the plot) and prints a Markdown table.
import json, os
rows = [("scratch", "scratch", None), ("electra_b1", "electra", "electra_b1"), ("mlm_b1", "mlm", "mlm_b1"),
        ("electra_b2", "electra", "electra_b2"), ("mlm_b2", "mlm", "mlm_b2")]
def lines(p): return [json.loads(l) for l in open(p)] if os.path.exists(p) else []
out = open("exp/results.tsv", "w")
print("| run | objective | pretraining steps | pretraining FLOPs | final MLM loss | disc. accuracy / base rate | NSMC dev accuracy |")
print("|---|---|---|---|---|---|---|")
for name, obj, pre in rows:
    ft = [d for d in lines(f"exp/{name}.ft/train_log.jsonl") if "dev_accuracy" in d]
    if not ft: continue
    acc = ft[-1]["dev_accuracy"]
    flops, steps, mlm, disc = 0.0, 0, "–", "–"
    if pre:
        log = lines(f"exp/{pre}/pretrain_log.jsonl")
        last = log[-1]; flops = last["flops"]; steps = last["step"]; mlm = f'{last["mlm_loss"]:.2f}'
        if "disc_accuracy" in last: disc = f'{last["disc_accuracy"]:.4f} / {last["disc_base_rate"]:.4f}'
    out.write(f"{obj}\t{flops}\t{acc}\n")
    print(f"| {name} | {obj} | {steps} | {flops:.3g} | {mlm} | {disc} | {acc:.4f} |")
