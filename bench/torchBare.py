# Bare PyTorch on the digits example's model (examples/digits/model.yaml written as torch.nn): the
# training step a PyTorch user writes by hand, the yardstick for the torch engine (bench/torchEngine.ts).
# argv: freeze (0, 6, 8), images, batch, epochs, device[, mnist folder]. Prints one JSON line: ms per step, per epoch.
import json
import sys
import time

import torch
import torch.nn as nn

freeze, images, batch, epochs, device = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
torch.manual_seed(0)


def conv(c1, c2):
    # YOLOv5 Conv: Conv2d(bias=False) + BatchNorm2d(eps 1e-3, momentum 0.03) + SiLU
    return nn.Sequential(nn.Conv2d(c1, c2, 3, 1, 1, bias=False), nn.BatchNorm2d(c2, 1e-3, 0.03), nn.SiLU())


model = nn.Sequential(conv(1, 16), nn.MaxPool2d(2, 2), conv(16, 32), nn.MaxPool2d(2, 2), conv(32, 64), nn.MaxPool2d(2, 2),
                      nn.Flatten(), nn.Sequential(nn.Linear(576, 64), nn.ReLU()), nn.Linear(64, 5)).to(device)
# YOLOv5's --freeze N: modules 0..N-1 get no gradient; their batch norm runs in inference mode.
for m in list(model)[:freeze]:
    for p in m.parameters():
        p.requires_grad = False
opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], 0.002)


def mnist_digits(folder, count):
    """The trainer's own digits (dist/mnist: palette.json + one .u8 file per digit), classes 0-4 in
    turn: random pixels ran measurably slower than real digits (mostly zeros), which made bare PyTorch
    look slower than the engine. Same data kind on both sides keeps the ratio honest."""
    import numpy as np
    palette = np.array(json.load(open(f'{folder}/palette.json')), dtype=np.float32)
    per = [np.fromfile(f'{folder}/{d}.u8', dtype=np.uint8).reshape(-1, 28, 28) for d in range(5)]
    xs = [palette[per[i % 5][i // 5]] for i in range(count)]
    return torch.from_numpy(np.stack(xs)[:, None]), torch.tensor([i % 5 for i in range(count)])


x, y = mnist_digits(sys.argv[6], images) if len(sys.argv) > 6 else (torch.rand(images, 1, 28, 28), torch.randint(0, 5, (images,)))
x, y = x.to(device), y.to(device)
loss_fn = nn.CrossEntropyLoss()
out = []
for epoch in range(epochs):
    model.train()
    for m in list(model)[:freeze]:
        m.eval()
    order = torch.randperm(images, device=device)
    if device == 'cuda':
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    steps = 0
    for s in range(0, images, batch):
        idx = order[s:s + batch]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        steps += 1
    if device == 'cuda':
        torch.cuda.synchronize()
    out.append((time.perf_counter() - t0) * 1000 / steps)
print(json.dumps({'msPerStep': out, 'threads': torch.get_num_threads(), 'torch': torch.__version__}))
