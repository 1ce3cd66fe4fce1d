# A freeze schedule's phase change (or per-module learning rates) in the torch worker: what is
# trainable, batch norm frozen so far kept in inference mode, and the optimizer's parameter groups,
# one per rate multiplier ('mult': the epoch sets each group's lr to the step's base rate × it).
# Optimizer state follows each parameter that stays trainable. A newly trainable one starts Adam with
# zero moments at the run's step count, as tfjs' Adam does (one bias correction for all variables,
# one `iter` in its checkpoints), so the two engines take the same steps.
import torch


def regroup(worker, pairs):
    """A new optimizer over (parameter, multiplier) pairs, in order, carrying the old one's state."""
    old = worker.opt
    groups = {}
    for p, m in pairs:
        groups.setdefault(float(m), []).append(p)
    param_groups = [{'params': ps, 'mult': m, 'lr': worker.base_lr * m} for m, ps in groups.items()]
    adam = isinstance(old, torch.optim.Adam)
    new = torch.optim.Adam(param_groups, lr=worker.base_lr, eps=1e-7) if adam else torch.optim.SGD(param_groups, lr=worker.base_lr)
    steps = [float(s['step']) for s in old.state.values() if 'step' in s]
    for p, _ in pairs:
        if p in old.state:
            new.state[p] = old.state[p]
        elif adam and steps:
            new.state[p] = {'step': torch.tensor(max(steps)), 'exp_avg': torch.zeros_like(p, memory_format=torch.preserve_format),
                            'exp_avg_sq': torch.zeros_like(p, memory_format=torch.preserve_format)}
    worker.opt = new


def set_graph_phase(worker, r, reply):
    """A tfjs graph: the layers the trainer froze (by tfjs name), batch norm kept in inference mode,
    and one multiplier per trainable weight in tfjs order."""
    frozen, keep = set(r['frozenLayers']), set(r.get('keepInference', []))
    for layer in worker.model.layers:
        if not layer.weight_names:
            continue
        layer.frozen = layer.name in frozen
        layer.keep_inference = layer.name in keep
        for a in layer.weight_names:
            p = getattr(layer, a)
            if isinstance(p, torch.nn.Parameter):
                p.requires_grad_(not layer.frozen)
    named = worker.model.trainable()
    if len(named) != len(r['mults']):
        raise ValueError(f"{len(r['mults'])} rate multipliers for {len(named)} trainable weights")
    regroup(worker, [(p, m) for (_, _, p), m in zip(named, r['mults'])])
    total, trainable = worker.model.param_counts()
    reply({'ok': True, 'totalParams': total, 'trainableParams': trainable, 'trainable': [f'{n}/{a}' for n, a, _ in named]})


def set_torchvision_phase(worker, r, reply):
    """A torchvision model: the freeze applied as at init, batch norm of every freeze so far kept in
    inference mode, and one multiplier per top-level child (the Modules view's rows)."""
    from torchvision_model import apply_freeze, children
    m = worker.model
    kept = set()
    for spec in r['frozenSoFar'] + [r['freeze']]:  # the last call decides requires_grad
        kept.update(apply_freeze(m.net, spec))
    m.frozen = sorted(kept)
    index = {n: i for i, n, _ in children(m.net)}
    regroup(worker, [(p, r['mults'][index[n.split('.')[0]]]) for n, _, p in m.trainable()])
    total, trainable = m.param_counts()
    reply({'ok': True, 'totalParams': total, 'trainableParams': trainable})
