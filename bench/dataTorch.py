# Minimal PyTorch on an image folder, the yardstick for bench/data.ts: torchvision ImageFolder +
# DataLoader (decoding in the main process), the digits example's layers for 3-channel 32x32 images
# and 10 classes, 2 CPU threads, Adam, batch 32; freeze N as YOLOv5's --freeze (modules 0..N-1 get no
# gradient, their batch norm in inference mode). Each epoch trains, then evaluates on val/.
# argv: folder, freeze, epochs. Prints one JSON line: seconds per epoch (train + val), val accuracy.
import json
import sys
import time

import torch
import torch.nn as nn
from torchvision import datasets, transforms

folder, freeze, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(2)
torch.manual_seed(0)


def conv(c1, c2):
    # YOLOv5 Conv: Conv2d(bias=False) + BatchNorm2d(eps 1e-3, momentum 0.03) + SiLU
    return nn.Sequential(nn.Conv2d(c1, c2, 3, 1, 1, bias=False), nn.BatchNorm2d(c2, 1e-3, 0.03), nn.SiLU())


model = nn.Sequential(conv(3, 16), nn.MaxPool2d(2, 2), conv(16, 32), nn.MaxPool2d(2, 2), conv(32, 64), nn.MaxPool2d(2, 2),
                      nn.Flatten(), nn.Sequential(nn.Linear(64 * 4 * 4, 64), nn.ReLU()), nn.Linear(64, 10))
for m in list(model)[:freeze]:
    for p in m.parameters():
        p.requires_grad = False
opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], 0.002)
loss_fn = nn.CrossEntropyLoss()
tf = transforms.ToTensor()
train = torch.utils.data.DataLoader(datasets.ImageFolder(f'{folder}/train', tf), batch_size=32, shuffle=True, num_workers=0)
val = torch.utils.data.DataLoader(datasets.ImageFolder(f'{folder}/val', tf), batch_size=64, num_workers=0)
seconds, acc = [], 0.0
for epoch in range(epochs):
    t0 = time.perf_counter()
    model.train()
    for m in list(model)[:freeze]:
        m.eval()
    for x, y in train:
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in val:
            correct += (model(x).argmax(1) == y).sum().item()
            total += len(y)
    seconds.append(time.perf_counter() - t0)
    acc = correct / total
print(json.dumps({'epochSeconds': seconds, 'valAccuracy': acc, 'torch': torch.__version__}))
