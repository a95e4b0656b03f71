"""PyTorch side of bench/mlp.bench.ts: one-thread MLP training epochs, same shapes and optimisers as timbre.
Usage: /usr/bin/python3 bench/torch_mlp.py CONFIG_JSON  ->  prints {"ms": [per-epoch ms...], "torch": version}
CONFIG_JSON: {"sizes": [...], "rows": 8000, "batch": 64, "opt": "sgd"|"adam", "lr": float, "epochs": int, "warmup": int}"""
import json, sys, time
import torch, torch.nn as nn

torch.set_num_threads(1)
cfg = json.loads(sys.argv[1])
torch.manual_seed(0)
sizes = cfg["sizes"]
layers = []
for i in range(len(sizes) - 1):
    layers.append(nn.Linear(sizes[i], sizes[i + 1]))
    if i < len(sizes) - 2:
        layers.append(nn.ReLU())
model = nn.Sequential(*layers)
X = torch.randn(cfg["rows"], sizes[0])
Y = torch.randint(0, sizes[-1], (cfg["rows"],))
if cfg["opt"] == "sgd":
    opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=0.9)
else:
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
loss_fn = nn.CrossEntropyLoss()
B = cfg["batch"]

def epoch():
    perm = torch.randperm(X.shape[0])  # shuffled like timbre's DataLoader
    for s in range(0, X.shape[0], B):
        idx = perm[s:s + B]
        opt.zero_grad()
        loss = loss_fn(model(X[idx]), Y[idx])
        loss.backward()
        opt.step()

for _ in range(cfg["warmup"]):
    epoch()
ms = []
for _ in range(cfg["epochs"]):
    t0 = time.perf_counter()
    epoch()
    ms.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"ms": ms, "torch": torch.__version__, "threads": torch.get_num_threads()}))
