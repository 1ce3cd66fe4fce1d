# The torch worker's side of training a torchvision backbone (`model: torchvision:<builder>`): the
# model built by torchvision_model.build with its classifier replaced, frozen as YOLOv5 freezes
# (children 0..N-1, their batch norm in inference mode), wrapped so the worker's epoch/eval/memory
# code drives it as it drives a tfjs graph. Weights go to the run folder as a PyTorch state dict
# (a torchvision model has no tfjs layers form): see src/trainer/torchvision/torchvisionSteps.ts.
import os

import torch
from torch import nn

from torchvision_model import apply_freeze, as_rgb, build, set_train_mode


class TorchvisionGraph(nn.Module):
    """A torchvision model with the worker's calling convention: model(inputs, training)."""

    input_name = 'input'

    def __init__(self, name, weights, num_classes, freeze):
        super().__init__()
        self.net, self.info = build(name, weights, num_classes)
        self.frozen = apply_freeze(self.net, freeze)

    def forward(self, inputs, training, upto=None):
        if upto is not None:
            raise ValueError('a torchvision model has no frozen-prefix cache')
        return self.net(as_rgb(inputs[self.input_name]))

    def train(self, mode=True):
        # Frozen batch norm stays in inference mode while the rest trains (set_train_mode).
        super().train(mode)
        if mode:
            set_train_mode(self.net, self.frozen)
        return self

    def trainable(self):
        return [(n, '', p) for n, p in self.net.named_parameters() if p.requires_grad]

    def param_counts(self):
        params = list(self.net.parameters())
        return sum(p.numel() for p in params), sum(p.numel() for p in params if p.requires_grad)


def _save(obj, path):
    tmp = path + '.tmp'
    torch.save(obj, tmp)
    os.replace(tmp, path)


def init(worker, r, pick_device, reply):
    torch.manual_seed(r.get('seed', 0))
    worker.device = pick_device(r.get('device'))
    weights = r.get('weights')
    if isinstance(weights, str) and weights.startswith('torchvision:'):
        weights = weights[len('torchvision:'):]
    worker.model = TorchvisionGraph(r['builder'], weights, r['numClasses'], r['freeze']).to(worker.device)
    worker.output = 'logits'
    worker.base_lr = r['lr']
    params = [p for _, _, p in worker.model.trainable()]
    if r.get('optimizer') == 'sgd':
        worker.opt = torch.optim.SGD(params, lr=r['lr'])
    else:
        worker.opt = torch.optim.Adam(params, lr=r['lr'], eps=1e-7)  # as the tfjs-graph path
    total, trainable = worker.model.param_counts()
    reply({'ok': True, 'device': str(worker.device), 'totalParams': total, 'trainableParams': trainable,
           'classifier': worker.model.info['classifier'], 'classifierLoaded': worker.model.info['classifier_loaded'],
           'frozen': [n for n in worker.model.frozen if '.' not in n], **worker.memory()})


def save(worker, r, reply):
    """The model's state dict (loadable by torchvision_model.build as `weights:`) and the optimizer's."""
    _save(worker.model.net.state_dict(), r['file'])
    if r.get('optimizerFile'):
        # Only the per-parameter tensors (Adam's step and moments), keyed by the parameter's position
        # among the trainable ones: a mapping of tensors is what torch.load(weights_only=True) reads
        # on every torch >= 1.13 (its param_groups hold floats 1.13 refuses); lr comes from the experiment.
        # Keyed by the position among model.trainable(), not among the optimizer's groups: per-module
        # rates group parameters by multiplier (phases.py), and the file must not depend on that.
        state = worker.opt.state
        params = [p for _, _, p in worker.model.trainable()]
        _save({str(i): {k: (v if torch.is_tensor(v) else torch.tensor(v)) for k, v in state[p].items()} for i, p in enumerate(params) if p in state},
              r['optimizerFile'])
    reply({'ok': True})


def load_optimizer(worker, r, reply):
    try:
        state = torch.load(r['file'], map_location=worker.device, weights_only=True)
    except TypeError:  # torch < 1.13 has no weights_only
        state = torch.load(r['file'], map_location=worker.device)
    params = [p for _, _, p in worker.model.trainable()]
    for k, s in state.items():
        i = int(k)
        wrong = [n for n, t in s.items() if t.dim() and (i >= len(params) or t.shape != params[i].shape)]
        if i >= len(params) or wrong:
            raise ValueError(f'{r["file"]} holds state for parameter {i} that does not match the {len(params)} trainable parameters')
    for k, s in state.items():
        worker.opt.state[params[int(k)]] = s
    reply({'ok': True, 'tensors': sum(len(s) for s in worker.opt.state.values())})
