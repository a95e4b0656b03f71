"""PyTorch side of the train-epoch row of bench/scale.bench.ts: genre's default MLP (Linear-ReLU-Dropout(0.3) x2 with
widths 128 and 64, then Linear to the classes; AdamW lr 1e-3, weight decay 0.01; batch 32; cross-entropy with sqrt
class weights) on one thread, trained on seeded random data of the same shape as timbre's (standard-normal features,
uniform labels). Usage: /usr/bin/python3 bench/torch_scale_train.py CONFIG_JSON  ->  one JSON line {"ms": [...],
"train_loss": [...], "torch": version, "threads": 1}. CONFIG_JSON: {"rows", "features", "classes", "warmup", "epochs"}."""
import json
import os
import sys
import time

import torch
import torch.nn as nn

# Same clock as bench/lib/timing.ts: wall time, or this process's CPU time with BENCH_CLOCK=cpu.
clock = time.process_time if os.environ.get("BENCH_CLOCK") == "cpu" else time.perf_counter

torch.set_num_threads(1)
cfg = json.loads(sys.argv[1])
N, F, C, B = cfg["rows"], cfg["features"], cfg["classes"], 32
g = torch.Generator().manual_seed(7)
X = torch.randn(N, F, generator=g)
Y = torch.randint(0, C, (N,), generator=g)
counts = torch.bincount(Y, minlength=C).double()
cw = torch.where(counts > 0, (N / (C * counts)).sqrt(), torch.ones_like(counts)).float()  # classWeightsFor(..., 'sqrt')

torch.manual_seed(1)
model = nn.Sequential(nn.Linear(F, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, C))
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
loss_fn = nn.CrossEntropyLoss(weight=cw)


def epoch():
    model.train()
    perm = torch.randperm(N)
    total = 0.0
    for s in range(0, N, B):
        idx = perm[s:s + B]
        opt.zero_grad()
        loss = loss_fn(model(X[idx]), Y[idx])
        loss.backward()
        opt.step()
        total += float(loss) * len(idx)  # the epoch's mean loss, as timbre's trainer reports it
    return total / N


losses = [epoch() for _ in range(cfg["warmup"])]
ms = []
for _ in range(cfg["epochs"]):
    t0 = clock()
    losses.append(epoch())
    ms.append((clock() - t0) * 1000)
print(json.dumps({"ms": ms, "train_loss": losses, "torch": torch.__version__, "threads": torch.get_num_threads()}))
