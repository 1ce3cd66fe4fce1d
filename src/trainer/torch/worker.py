# The torch engine's compute process. The TypeScript trainer stays the orchestrator (run folder, data
# decoding, progress lines, signals) and sends one JSON request per line on stdin; each answer is one
# JSON line on stdout. Bulk data (a batch of images, weights, optimizer state) goes through float32
# files, in tfjs layout, so the run folder is engine-neutral; images come one batch per request, as the
# trainer's streamed loader decodes them, so this process never holds the dataset (only the frozen
# prefix's cached outputs, when the cache is used).
# Signals are ignored: the trainer decides when to stop (it sends "stop", or closes stdin).
import json
import os
import resource
import select
import signal
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from eval_images import image_outputs  # noqa: E402
from phases import set_graph_phase, set_torchvision_phase, uncache  # noqa: E402
from tensor_bytes import SavedBytes, held_bytes  # noqa: E402
from tfjs_graph import TfjsGraph, to_tfjs, to_torch  # noqa: E402


def reply(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def read_f32(path, shapes):
    flat = torch.from_numpy(np.fromfile(path, dtype='<f4'))
    out, at = [], 0
    for s in shapes:
        n = int(np.prod(s)) if s else 1
        out.append(flat[at:at + n].reshape(s))
        at += n
    if at != flat.numel():
        raise ValueError(f'{path} holds {flat.numel()} floats, the request describes {at}')
    return out


def write_f32(path, tensors):
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        for t in tensors:
            f.write(t.detach().to('cpu', torch.float32).contiguous().numpy().astype('<f4').tobytes())
    os.replace(tmp, path)


def pick_device(wanted):
    if wanted and wanted != 'auto':
        return torch.device(wanted)
    if torch.cuda.is_available():
        return torch.device('cuda')
    mps = getattr(torch.backends, 'mps', None)
    if mps is not None and mps.is_available():
        return torch.device('mps')
    return torch.device('cpu')


class Requests:
    """Lines from stdin through one buffer of our own, so a 'stop' can be looked for between batches
    without blocking (Python's buffered stdin would hide a line select() already saw)."""

    def __init__(self):
        self.buf = b''

    def _fill(self, timeout):
        ready, _, _ = select.select([0], [], [], timeout)
        if not ready:
            return True
        chunk = os.read(0, 1 << 16)
        if not chunk:
            return False
        self.buf += chunk
        return True

    def next(self, block=True):
        """The next request; None when none is waiting (block=False); exits when stdin closes."""
        while b'\n' not in self.buf:
            if not self._fill(None if block else 0):
                sys.exit(0)  # the trainer is gone
            if not block and b'\n' not in self.buf:
                return None
        line, self.buf = self.buf.split(b'\n', 1)
        return json.loads(line)


REQUESTS = Requests()


class Worker:
    def __init__(self):
        self.sets = {}
        self.model = None
        self.head_inputs = None
        self.saved = None

    def init(self, r):
        torch.manual_seed(r.get('seed', 0))
        if r.get('threads'):
            torch.set_num_threads(int(r['threads']))
        self.device = pick_device(r.get('device'))
        topo = r['topology']
        specs = [(layer['name'], shape) for layer in topo['layers'] for shape in layer.get('weights', [])]
        tensors = read_f32(r['weightsFile'], [s for _, s in specs]) if specs else []
        by_layer = {}
        for (name, _), t in zip(specs, tensors):
            by_layer.setdefault(name, []).append(t)
        self.model = TfjsGraph(topo, by_layer).to(self.device)
        self.output = r.get('output', 'logits')
        self.base_lr = r['lr']
        params = [p for _, _, p in self.model.trainable()]
        if r.get('optimizer') == 'sgd':
            self.opt = torch.optim.SGD(params, lr=r['lr'])
        else:
            # tfjs' Adam: epsilon 1e-7 (float32 backend epsilon), same bias correction.
            self.opt = torch.optim.Adam(params, lr=r['lr'], eps=1e-7)
        total, trainable = self.model.param_counts()
        reply({'ok': True, 'device': str(self.device), 'totalParams': total, 'trainableParams': trainable,
               'trainable': [f'{n}/{a}' for n, a, _ in self.model.trainable()], **self.memory()})

    def batch(self, r):
        """A batch's inputs (NCHW for images) and labels: from its files (images streamed by the
        trainer, one batch at a time), or by sample index from the frozen prefix's cached outputs."""
        if 'indices' in r and 'file' not in r:
            xs, labels = self.sets[r['set']]
            idx = torch.tensor(r['indices'], dtype=torch.int64, device=self.device)
            return [x[idx] for x in xs], labels[idx]
        xs = read_f32(r['file'], [[r['count'], *s] for s in r['shapes']])
        xs = [(x.permute(0, 3, 1, 2) if x.dim() == 4 else x).contiguous().to(self.device) for x in xs]
        labels = torch.from_numpy(np.fromfile(r['labelsFile'], dtype='<i4').astype(np.int64)).to(self.device)
        return xs, labels

    def inputs(self, xs):
        names = self.head_inputs or [self.model.input_name]
        return dict(zip(names, xs))

    def cache_batch(self, r):
        """The frozen prefix's outputs for one streamed batch, kept in memory at the samples' places
        (the cache stays in this process); 'cacheDone' then trains the head on them."""
        self.model.eval()
        xs, labels = self.batch(r)
        with torch.no_grad():
            outs = self.model(self.inputs(xs), False, upto=r['boundary'])
        if r['set'] not in self.sets:
            total = r['total']
            self.sets[r['set']] = ([torch.zeros((total, *o.shape[1:]), dtype=o.dtype, device=self.device) for o in outs],
                                   torch.zeros(total, dtype=torch.int64, device=self.device))
        cached, cached_labels = self.sets[r['set']]
        idx = torch.tensor(r['indices'], dtype=torch.int64, device=self.device)
        for c, o in zip(cached, outs):
            c[idx] = o
        cached_labels[idx] = labels
        reply({'ok': True})

    def cache_done(self, r):
        self.head_inputs = r['boundary']
        reply({'ok': True})

    def loss(self, y, labels):
        if self.output == 'logits':
            return F.cross_entropy(y, labels)
        return F.nll_loss(torch.log(y.clamp(1e-7, 1.0)), labels)

    def epoch_start(self, r):
        self.model.train()
        if self.device.type == 'cuda':
            torch.cuda.reset_peak_memory_stats(self.device)
        self.saved = SavedBytes()
        reply({'ok': True})

    def step(self, r):
        xs, labels = self.batch(r)
        with self.saved.step():
            y = self.model(self.inputs(xs), True)
            loss = self.loss(y, labels)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        # The step's base rate (a schedule's, or the experiment's), × each group's multiplier.
        rate = r.get('lr', self.base_lr)
        for g in self.opt.param_groups:
            g['lr'] = rate * g.get('mult', 1.0)
        self.opt.step()
        reply({'loss': loss.item()})

    def eval_batch(self, r):
        xs, labels = self.batch(r)
        self.model.eval()
        with torch.no_grad():
            y = self.model(self.inputs(xs), False)
            out = {'lossSum': self.loss(y, labels).item() * labels.numel(), 'correct': (y.argmax(1) == labels).sum().item()}
            if y.shape[1] > 5:
                out['top5'] = (y.topk(5, 1).indices == labels[:, None]).any(1).sum().item()
            if r.get('images'):
                pred, prob, loss = image_outputs(y, labels, self.output)
                out.update({'predicted': pred.int().tolist(), 'probability': prob.tolist(), 'imageLoss': loss.tolist()})
        reply(out)

    def usage(self, r):
        reply({'ok': True, **self.memory()})

    def memory(self):
        """CPU time and peak RSS of this process (the trainer's own counters do not see it); tensor memory."""
        out = {'cpuSeconds': time.process_time(), 'wallSeconds': time.monotonic(),
               'rssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
        if self.device.type != 'cuda':
            held = held_bytes(self.model, self.opt, self.sets)
            return {**out, 'bytes': held, 'peakBytes': held + (self.saved.peak if self.saved else 0)}
        out.update({'peakBytes': torch.cuda.max_memory_allocated(self.device), 'bytes': torch.cuda.memory_allocated(self.device)})
        try:
            out['util'] = torch.cuda.utilization(self.device) / 100.0
        except Exception:  # needs pynvml; nvidia-smi sampling in the trainer covers it
            pass
        return out

    def forward(self, r):
        """Outputs for one batch (tests and parity checks), written as float32 [count, classes]."""
        xs, _ = self.batch(r)
        self.model.eval()
        with torch.no_grad():
            y = self.model(self.inputs(xs), False)
        write_f32(r['out'], [y])
        reply({'ok': True, 'shape': list(y.shape)})

    def save(self, r):
        """Every layer's weights in tfjs layout and order; with optimizer: tfjs Adam's state (iter, m…, v…)."""
        tensors = [t for _, ws in self.model.tfjs_weights() for t in ws]
        write_f32(r['file'], tensors)
        out = {'ok': True}
        if r.get('optimizerFile') and isinstance(self.opt, torch.optim.Adam):
            named = self.model.trainable()
            states = [self.opt.state.get(p, {}) for _, _, p in named]
            if all('exp_avg' in s for s in states) and named:
                layer = {layer.name: layer for layer in self.model.layers}
                conv = [lambda t, n=n, a=a: to_tfjs(layer[n].kind, a, t, layer[n].tf_shapes[layer[n].weight_names.index(a)]) for n, a, _ in named]
                step = float(states[0]['step'])
                ms = [c(s['exp_avg']) for c, s in zip(conv, states)]
                vs = [c(s['exp_avg_sq']) for c, s in zip(conv, states)]
                write_f32(r['optimizerFile'], [torch.tensor([step])] + ms + vs)
                out['optimizer'] = {'step': step, 'shapes': [list(m.shape) for m in ms]}
        reply(out)

    def load_optimizer(self, r):
        """tfjs Adam's state (iter, m…, v… in tfjs layout, trainable order) into torch's Adam."""
        named = self.model.trainable()
        layer = {layer.name: layer for layer in self.model.layers}
        shapes = [layer[n].tf_shapes[layer[n].weight_names.index(a)] for n, a, _ in named]
        tensors = read_f32(r['file'], [[1]] + shapes + shapes)
        step = tensors[0].item()
        for i, (n, a, p) in enumerate(named):
            self.opt.state[p] = {
                'step': torch.tensor(step),  # a tensor since torch 1.12; the engine needs >= 1.13
                'exp_avg': to_torch(layer[n].kind, a, tensors[1 + i]).to(self.device),
                'exp_avg_sq': to_torch(layer[n].kind, a, tensors[1 + len(named) + i]).to(self.device),
            }
        reply({'ok': True})


def torchvision_op(name):
    # Imported on first use: a tfjs-graph run needs no torchvision.
    import torchvision_train
    return getattr(torchvision_train, name)


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    w = Worker()
    ops = {'init': w.init, 'cacheBatch': w.cache_batch, 'cacheDone': w.cache_done, 'epochStart': w.epoch_start,
           'step': w.step, 'evalBatch': w.eval_batch, 'usage': w.usage, 'forward': w.forward, 'save': w.save, 'loadOptimizer': w.load_optimizer,
           'phase': lambda r: set_graph_phase(w, r, reply), 'phaseTorchvision': lambda r: set_torchvision_phase(w, r, reply),
           'uncache': lambda r: uncache(w, r, reply),
           'initTorchvision': lambda r: torchvision_op('init')(w, r, pick_device, reply),
           'saveState': lambda r: torchvision_op('save')(w, r, reply),
           'loadOptimizerState': lambda r: torchvision_op('load_optimizer')(w, r, reply)}
    while True:
        r = REQUESTS.next()
        op = r.get('op')
        if op == 'stop':
            continue  # arrived after its epoch ended
        if op == 'exit':
            return
        try:
            ops[op](r)
        except Exception as e:  # reported to the trainer, which fails the run with it
            reply({'error': f'{type(e).__name__}: {e}'})


if __name__ == '__main__':
    main()
