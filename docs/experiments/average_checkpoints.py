"""Uniform (or weighted) average of classifier checkpoints (a "model soup", Wortsman et al. 2022): usage average_checkpoints.py OUT A[:w] B[:w] ..."""
import shutil, sys
from pathlib import Path
import numpy as np
from safetensors.numpy import load_file, save_file
out = Path(sys.argv[1]); specs = [a.rsplit(':', 1) if ':' in a else (a, '1') for a in sys.argv[2:]]
ws = np.array([float(w) for _, w in specs]); ws /= ws.sum()
ts = [load_file(Path(d) / "model.safetensors") for d, _ in specs]
assert all(t.keys() == ts[0].keys() for t in ts)
avg = {k: sum(w * t[k].astype(np.float32) for w, t in zip(ws, ts)).astype(np.float32) for k in ts[0]}
out.mkdir(parents=True)
save_file(avg, out / "model.safetensors", metadata={"format": "pt"})
for extra in ("config.json", "vocab.txt", "tokenizer_config.json"):
    shutil.copy(Path(specs[0][0]) / extra, out / extra)
print(out, [d for d, _ in specs], ws)
