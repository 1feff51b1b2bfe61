"""Deepens an ELECTRA checkpoint by stacking its layers (Gong et al. 2019, "Efficient Training of BERT by
Progressively Stacking"): layer i of the new encoder starts as layer i mod L of the old one.

usage: stack_layers.py SRC_DIR OUT_DIR LAYERS   (safetensors and numpy only)
"""
import json, re, shutil, sys
from pathlib import Path
try:
    from safetensors.numpy import load_file, save_file
except ImportError:
    sys.exit("stack_layers.py needs safetensors and numpy: pip install safetensors numpy")

if len(sys.argv) != 4:
    sys.exit(__doc__.strip().splitlines()[-1])
src, out, layers = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
if out.exists():
    sys.exit(f"{out} exists; name a new directory")
config = json.loads((src / "config.json").read_text())
old = config["num_hidden_layers"]
tensors = load_file(src / "model.safetensors")
layer_key = re.compile(r"^(.*\.layer\.)(\d+)(\..*)$")
stacked = {}
for name, value in tensors.items():
    m = layer_key.match(name)
    if not m:
        stacked[name] = value
        continue
    for i in range(int(m.group(2)), layers, old):
        stacked[f"{m.group(1)}{i}{m.group(3)}"] = value.copy()
config["num_hidden_layers"] = layers
out.mkdir(parents=True)
save_file(stacked, out / "model.safetensors", metadata={"format": "pt"})
(out / "config.json").write_text(json.dumps(config, indent=2))
for extra in ("vocab.txt", "tokenizer_config.json"):
    shutil.copy(src / extra, out / extra)
print(f"{old} -> {layers} layers, {len(tensors)} -> {len(stacked)} tensors: {out}")
