# Tensor memory of the torch worker on the CPU, where PyTorch keeps no allocator statistics (CUDA
# has torch.cuda.max_memory_allocated): the bytes the worker holds (weights, buffers, optimizer
# state, data or cached features) and, per step, the activations autograd saves for the backward
# pass, counted once per storage. Held + the largest step's saved bytes is the epoch's peak.
import contextlib

import torch


def tensor_size(t):
    return t.numel() * t.element_size()


def held_bytes(model, optimizer, sets):
    total = sum(tensor_size(t) for t in list(model.parameters()) + list(model.buffers()))
    for state in optimizer.state.values():
        total += sum(tensor_size(v) for v in state.values() if torch.is_tensor(v))
    for xs, labels in sets.values():
        total += sum(tensor_size(x) for x in xs) + tensor_size(labels)
    return total


class SavedBytes:
    """The largest number of bytes autograd saved for one step's backward pass."""

    def __init__(self):
        self.peak = 0

    @contextlib.contextmanager
    def step(self):
        seen, total = set(), [0]

        def pack(t):
            key = (t.data_ptr(), t.numel(), t.dtype)
            if key not in seen:
                seen.add(key)
                total[0] += tensor_size(t)
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            yield
        self.peak = max(self.peak, total[0])
