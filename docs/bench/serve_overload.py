"""A burst of clients at once against `raccoon serve`: how many are answered, refused (503) or reset, and how fast.

Usage: python3 docs/bench/serve_overload.py URL CLIENTS [DEV_TSV]
e.g.   python3 docs/bench/serve_overload.py http://localhost:8080/v1/sentiment 200 ../shared/data/nsmc/dev.tsv
Each client posts 64 reviews of NSMC dev joined to 2,000 characters; all start together (a barrier).
"""
import json
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request

url, clients = sys.argv[1], int(sys.argv[2])
dev = sys.argv[3] if len(sys.argv) > 3 else "../shared/data/nsmc/dev.tsv"
random.seed(1)
reviews = [l.split("\t")[1] for l in open(dev, encoding="utf-8").read().split("\n")[1:] if l.count("\t") == 2]


def text():
    s = ""
    while len(s) < 1900:
        s += random.choice(reviews) + " "
    return s[:2000]


bodies = [json.dumps({"texts": [text() for _ in range(64)]}).encode() for _ in range(clients)]
results = [None] * clients
start = threading.Barrier(clients)


def client(i):
    start.wait()
    t = time.time()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, bodies[i], {"Content-Type": "application/json"}), timeout=600) as r:
            r.read()
            outcome = str(r.status)
    except urllib.error.HTTPError as e:
        e.read()
        outcome = str(e.code)
    except OSError as e:  # a reset connection, a refused one
        outcome = type(getattr(e, "reason", e)).__name__
    results[i] = (outcome, time.time() - t)


threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for outcome in sorted({o for o, _ in results}):
    times = sorted(s for o, s in results if o == outcome)
    print(f"{outcome}: {len(times)}, median {statistics.median(times):.2f} s, max {times[-1]:.2f} s")
