"""torchvision classification backbones for Transfer Lab (`model: torchvision:<builder>`).

Imported by the torch engine's worker to train, and run as a script (by path, with the Python the
trainer finds) to inspect a model for the Modules view and `transfer-lab modules`:

    python3 torchvision_model.py inspect --name resnet18 [--weights DEFAULT|IMAGENET1K_V1|file.pth]
                                         --num-classes 5 --input 3,32,32

prints one JSON object on stdout: {"modules": [...], ...} or {"error": {"kind": ..., "message": ...}}
(exit status 2 for an error the user fixes in the experiment, 1 for anything else).

Modules are the model's top-level children in registration order (ResNet: conv1, bn1, relu, maxpool,
layer1..layer4, avgpool, fc), numbered 0..n-1 and named `model.<i>` as YOLOv5 names its modules, so
that `freeze: N` means what it means for YOLOv5 models: children 0..N-1 are frozen (every parameter
under them has requires_grad False) and their batch norm layers run in inference mode (running
statistics neither used from the batch nor updated). A list freezes exactly the listed children, or
names below them (`model.4.0.conv1` = `layer1.0.conv1`).
"""
import argparse
import json
import sys

import torch
from torch import nn
import torchvision
from torchvision import models as tvm


class UserFacingError(Exception):
    """A problem the user fixes in the experiment (unknown builder, a state dict for another model)."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def builders():
    """The classification builders of torchvision.models (not detection/segmentation/video).
    list_models needs torchvision 0.14, the one that goes with torch 1.13, the oldest the engine takes."""
    return sorted(tvm.list_models(module=tvm))


def _check_builder(name):
    names = builders()
    if name in names:
        return
    import difflib

    close = difflib.get_close_matches(name, names, n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise UserFacingError(
        "unknown-builder",
        f"torchvision {torchvision.__version__} has no classification model '{name}'{hint} "
        f"(its builders: {', '.join(names)})",
    )


def _weights_enum(name, weights):
    """torchvision's weights enum member for `DEFAULT` / `IMAGENET1K_V1`…; no download here."""
    try:
        enum = tvm.get_model_weights(name)
    except (AttributeError, ValueError) as e:
        raise UserFacingError("unknown-weights", f"torchvision has no pretrained weights for '{name}': {e}")
    if weights == "DEFAULT":
        return enum.DEFAULT
    try:
        return enum[weights]
    except KeyError:
        known = ", ".join(["DEFAULT"] + [w.name for w in enum])
        raise UserFacingError("unknown-weights", f"'{name}' has no weights '{weights}' in torchvision {torchvision.__version__}; use one of {known}")


def _is_file_weights(weights):
    return weights is not None and (weights.lower().endswith((".pt", ".pth")) or "/" in weights or "\\" in weights)


def _construct(name, weights):
    """The builder's model with its own 1000-class head, with torchvision's weights when asked."""
    kwargs = {}
    # GoogLeNet and Inception v3 return (logits, aux...) tuples while training unless told not to.
    if name in ("googlenet", "inception_v3"):
        kwargs["aux_logits"] = False
    if weights is not None and not _is_file_weights(weights):
        kwargs["weights"] = _weights_enum(name, weights)  # downloads into torchvision's cache (TORCH_HOME)
    elif name in ("googlenet", "inception_v3"):
        kwargs["init_weights"] = True
    return tvm.get_model(name, **kwargs)


def classifier_name(model):
    """Dotted name of the classifier layer: the last Linear (or the last 1x1 Conv2d, SqueezeNet) in
    registration order — `fc` (ResNet, RegNet), `classifier.1`/`classifier.3` (EfficientNet,
    MobileNet), `heads.head` (ViT), `head` (Swin), `classifier.6` (VGG, AlexNet)…"""
    linear = [n for n, m in model.named_modules() if isinstance(m, nn.Linear)]
    conv1x1 = [n for n, m in model.named_modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (1, 1)]
    last = (linear or conv1x1 or [None])[-1]
    if last is None:
        raise UserFacingError("no-classifier", f"cannot find the classifier of {type(model).__name__}: it has no Linear layer")
    return last


def _replace_classifier(model, num_classes):
    name = classifier_name(model)
    parent_name, _, leaf = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    old = getattr(parent, leaf)
    if isinstance(old, nn.Linear):
        new = nn.Linear(old.in_features, num_classes, bias=old.bias is not None)
    else:
        new = nn.Conv2d(old.in_channels, num_classes, kernel_size=1, bias=old.bias is not None)
    setattr(parent, leaf, new)
    return name


def _load_state_dict_file(path):
    try:
        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except TypeError:  # torch < 1.13 has no weights_only
            obj = torch.load(path, map_location="cpu")
    except FileNotFoundError:
        raise UserFacingError("weights-file", f"weights file {path} does not exist; check `weights:` in the experiment")
    except Exception as e:  # a truncated or foreign file: say which and why
        raise UserFacingError("weights-file", f"cannot read {path} as a PyTorch state dict: {e}")
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
    if not isinstance(obj, dict) or not all(torch.is_tensor(v) for v in obj.values()):
        raise UserFacingError("weights-file", f"{path} is not a state dict (a mapping of parameter names to tensors); save one with torch.save(model.state_dict(), path)")
    return {k[len("module."):] if k.startswith("module.") else k: v for k, v in obj.items()}


def _load_local(model, path, head):
    """Loads a state dict; the classifier's tensors are skipped when their shape differs (a state dict
    trained for another class count). Any other missing, unexpected or mis-shaped tensor is an error."""
    state = _load_state_dict_file(path)
    own = model.state_dict()
    skipped = [k for k in state if k.startswith(head + ".") and k in own and state[k].shape != own[k].shape]
    wrong = [f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}" for k in state
             if k in own and k not in skipped and state[k].shape != own[k].shape]
    kept = {k: v for k, v in state.items() if k not in skipped}
    result = model.load_state_dict(kept, strict=False)
    missing = [k for k in result.missing_keys if k not in skipped]
    if wrong or missing or result.unexpected_keys:
        parts = []
        if wrong:
            parts.append(f"shapes differ: {', '.join(wrong[:3])}")
        if missing:
            parts.append(f"missing: {', '.join(missing[:3])}{'…' if len(missing) > 3 else ''}")
        if result.unexpected_keys:
            parts.append(f"not in the model: {', '.join(result.unexpected_keys[:3])}")
        raise UserFacingError("weights-mismatch", f"{path} does not fit this model ({'; '.join(parts)}); was it saved from another builder?")
    return skipped


def build(name, weights, num_classes):
    """The torchvision model `name` with its classifier replaced for `num_classes` classes.

    weights: None (random init), 'DEFAULT' or a weights enum name such as 'IMAGENET1K_V1'
    (torchvision downloads and caches them), or the path of a .pt/.pth state dict. A state dict whose
    classifier has another shape loads without the classifier (it stays randomly initialised).
    Returns (model, info) where info = {"classifier": "fc", "classifier_loaded": bool}.
    """
    _check_builder(name)
    local = _is_file_weights(weights)
    model = _construct(name, None if local else weights)
    head = classifier_name(model)
    own_head_matches = not local and getattr(model.get_submodule(head), "out_features", getattr(model.get_submodule(head), "out_channels", None)) == num_classes
    if not own_head_matches:
        _replace_classifier(model, num_classes)
    loaded = weights is not None and own_head_matches
    if local:
        loaded = not _load_local(model, weights, head)
    return model, {"classifier": head, "classifier_loaded": loaded}


def as_rgb(batch):
    """torchvision models take 3 channels: a grey batch (N,1,H,W), e.g. MNIST, is repeated over them
    (the pretrained first conv stays as it is). The engine calls this on every batch it feeds."""
    return batch.expand(-1, 3, -1, -1) if batch.dim() == 4 and batch.shape[1] == 1 else batch


def children(model):
    """[(index, child_name, child_module)] in registration order: the rows of the Modules view."""
    return [(i, n, m) for i, (n, m) in enumerate(model.named_children())]


def freeze_prefixes(model, spec):
    """Parameter-name prefixes (`layer1.0.conv1.`) that a Transfer Lab freeze spec freezes:
    an int N = children 0..N-1; a list of child indices and `model.<i>[.<rest>]` names."""
    names = [n for _, n, _ in children(model)]
    if isinstance(spec, int):
        return [f"{n}." for n in names[:spec]]
    out = []
    for x in spec:
        if isinstance(x, int):
            out.append(f"{names[x]}.")
            continue
        parts = x.rstrip(".").split(".")
        if len(parts) < 2 or parts[0] != "model" or not parts[1].isdigit() or int(parts[1]) >= len(names):
            raise UserFacingError("freeze", f"freeze entry '{x}' names no module of this model (model.0–model.{len(names) - 1})")
        out.append(".".join([names[int(parts[1])]] + parts[2:]) + ".")
    return out


def apply_freeze(model, spec):
    """Sets requires_grad False under the spec's prefixes; returns the frozen submodules' names.
    Call set_train_mode(model, frozen) instead of model.train() so frozen batch norm stays in eval."""
    prefixes = freeze_prefixes(model, spec)
    for n, p in model.named_parameters():
        p.requires_grad_(not any(n.startswith(pre) for pre in prefixes))
    return [n for n, _ in model.named_modules() if n and any((n + ".").startswith(pre) for pre in prefixes)]


def set_train_mode(model, frozen):
    """model.train(), then every frozen batch norm back in inference mode (as YOLOv5 freezes)."""
    model.train()
    frozen = set(frozen)
    for n, m in model.named_modules():
        if n in frozen and isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()


def modules(model, input_shape):
    """One row per top-level child: index, name (`model.<i>`), label (child name), type, parameter
    count (sum of p.numel()), layers holding parameters (`model.<i>.<rest>`), and output shape without the batch
    dimension in PyTorch's order (C,H,W for images), from a forward pass on zeros with hooks."""
    rows = children(model)
    shapes = {}

    def hook(i):
        def record(_module, _inputs, output):
            if torch.is_tensor(output):
                shapes[i] = list(output.shape[1:])
        return record

    handles = [m.register_forward_hook(hook(i)) for i, _, m in rows]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros((1, *input_shape)))
    except RuntimeError as e:
        raise UserFacingError("input-size", f"{type(model).__name__} cannot take a {'x'.join(map(str, input_shape))} input: {str(e).splitlines()[0]}; set train.imgsz larger (ImageNet models are made for 224)")
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    out = []
    for i, n, m in rows:
        row = {"index": i, "name": f"model.{i}", "label": n, "type": type(m).__name__,
               "params": sum(p.numel() for p in m.parameters()), "layers": _layers(f"model.{i}", m)}
        if i in shapes:
            row["outShape"] = shapes[i]
        out.append(row)
    return out


def _layers(prefix, child):
    """The child's submodules that hold parameters themselves, as checkbox rows: `model.4.0.conv1`."""
    out = []
    for sub, m in child.named_modules():
        own = list(m.named_parameters(recurse=False))
        if own:
            name = f"{prefix}.{sub}" if sub else prefix
            out.append({"name": name, "type": type(m).__name__,
                        "params": [{"name": f"{name}.{pn}", "shape": list(p.shape), "count": p.numel()} for pn, p in own]})
    return out


def inspect(name, weights, num_classes, input_shape):
    """Rows for the Modules view. torchvision's own weights are only checked to exist, never
    downloaded: counts and shapes do not depend on them (a local state dict is loaded, to check it fits)."""
    if weights is not None and not _is_file_weights(weights):
        _check_builder(name)
        _weights_enum(name, weights)
        weights = None
    model, info = build(name, weights, num_classes)
    rows = modules(model, input_shape)
    head_child = info["classifier"].split(".")[0]
    head_index = next(r["index"] for r in rows if r["label"] == head_child)
    return {
        "builder": name, "torch": torch.__version__, "torchvision": torchvision.__version__,
        "classifier": info["classifier"], "classifierIndex": head_index, "classifierLoaded": info["classifier_loaded"],
        "numClasses": num_classes, "input": list(input_shape), "modules": rows,
        "totalParams": sum(p.numel() for p in model.parameters()),
    }


def main(argv):
    ap = argparse.ArgumentParser(prog="torchvision_model.py")
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("builders")
    ins = sub.add_parser("inspect")
    ins.add_argument("--name", required=True)
    ins.add_argument("--weights")
    ins.add_argument("--num-classes", type=int, required=True)
    ins.add_argument("--input", required=True, help="C,H,W")
    a = ap.parse_args(argv)
    try:
        if a.command == "builders":
            result = {"torchvision": torchvision.__version__, "builders": builders()}
        else:
            result = inspect(a.name, a.weights, a.num_classes, [int(x) for x in a.input.split(",")])
    except UserFacingError as e:
        print(json.dumps({"error": {"kind": e.kind, "message": str(e)}}))
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
