"""PyTorch side of bench/mlp.bench.ts: one-thread MLP training epochs, same shapes and optimisers as timbre.
Usage: /usr/bin/python3 bench/torch_mlp.py CONFIG_JSON  ->  prints {"ms": [per-epoch ms...], "torch": version}
CONFIG_JSON: {"sizes": [...], "rows": 8000, "batch": 64, "opt": "sgd"|"adam", "lr": float, "epochs": int, "warmup": int,
"file": safetensors written by the bench with timbre's initial weights (PyTorch names) plus data.x [rows, in], data.y [rows]}.
Also prints first_loss: the initial weights' loss on rows [0, batch), which the bench compares with timbre's."""
import json, os, struct, sys, time
import torch, torch.nn as nn

# Same clock as bench/lib/timing.ts: wall time, or this process's CPU time with BENCH_CLOCK=cpu.
clock = time.process_time if os.environ.get("BENCH_CLOCK") == "cpu" else time.perf_counter


def read_safetensors(path):
    """Minimal reader following the safetensors spec (F32 only): u64 LE header size, JSON header, raw data."""
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        assert v["dtype"] == "F32", v
        s, e = v["data_offsets"]
        out[k] = torch.frombuffer(bytearray(b[8 + n + s:8 + n + e]), dtype=torch.float32).reshape(v["shape"])
    return out


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
tensors = read_safetensors(cfg["file"])
X = tensors.pop("data.x")
Y = tensors.pop("data.y").long()
model.load_state_dict(tensors, strict=True)
if cfg["opt"] == "sgd":
    opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=0.9)
else:
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
loss_fn = nn.CrossEntropyLoss()
B = cfg["batch"]
with torch.no_grad():
    first_loss = float(loss_fn(model(X[:B]), Y[:B]))

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
    t0 = clock()
    epoch()
    ms.append((clock() - t0) * 1000)
print(json.dumps({"ms": ms, "first_loss": first_loss, "torch": torch.__version__, "threads": torch.get_num_threads()}))
