# A TensorFlow.js layers graph (the Keras-format topology the trainer builds from a YOLOv5 YAML, or a
# model.json) run by PyTorch. Tensors are NCHW inside; every layer reproduces the tfjs layer's NHWC
# semantics exactly (TF 'same' padding, channels-last flatten order), so the same weights give the
# same outputs on both engines and weights convert losslessly between the two layouts.
import math

import torch
import torch.nn.functional as F

ACTIVATIONS = {
    'linear': lambda x: x,
    'relu': F.relu,
    'relu6': F.relu6,
    'swish': F.silu,
    'silu': F.silu,
    'sigmoid': torch.sigmoid,
    'tanh': torch.tanh,
    'elu': F.elu,
    'selu': F.selu,
    'gelu': F.gelu,
    'softmax': lambda x: F.softmax(x, dim=1),
}


def activation(name):
    fn = ACTIVATIONS.get(name or 'linear')
    if fn is None:
        raise ValueError(f"activation '{name}' is not supported by the torch engine; supported: {', '.join(ACTIVATIONS)}")
    return fn


def pair(v):
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def same_pads(size, k, s, d):
    """TF 'same' padding for one dimension: (before, after); the extra pixel goes after."""
    out = math.ceil(size / s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def pad_same(x, k, s, d=(1, 1), value=0.0):
    ph = same_pads(x.shape[2], k[0], s[0], d[0])
    pw = same_pads(x.shape[3], k[1], s[1], d[1])
    if ph == (0, 0) and pw == (0, 0):
        return x
    return F.pad(x, (pw[0], pw[1], ph[0], ph[1]), value=value)


class Layer(torch.nn.Module):
    """One tfjs layer: its Keras class, config, input layer names and weights (torch layout)."""

    def __init__(self, spec, trainable):
        super().__init__()
        self.name = spec['name']
        self.kind = spec['class_name']
        self.cfg = spec.get('config', {})
        self.nodes = spec['nodes']  # input keys of each application of the layer
        self.frozen = not trainable
        self.keep_inference = False  # batch norm a freeze schedule froze earlier (phases.py)
        self.tf_shapes = []  # tfjs shapes of this layer's weights, in tfjs order
        self.weight_names = []  # attribute names in tfjs order

    def add(self, attr, tensor, tf_shape, trainable=True):
        p = torch.nn.Parameter(tensor, requires_grad=trainable and not self.frozen) if trainable else None
        if p is not None:
            self.register_parameter(attr, p)
        else:
            self.register_buffer(attr, tensor)
        self.weight_names.append(attr)
        self.tf_shapes.append(list(tf_shape))


def to_torch(kind, attr, w):
    """A weight from tfjs layout (HWIO kernels, [in, out] dense) to torch's (OIHW, [out, in])."""
    if kind == 'Conv2D' and attr == 'weight':
        return w.permute(3, 2, 0, 1).contiguous()
    if kind == 'DepthwiseConv2D' and attr == 'weight':
        kh, kw, cin, mult = w.shape
        return w.permute(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw).contiguous()
    if kind == 'Dense' and attr == 'weight':
        return w.t().contiguous()
    return w.contiguous()


def to_tfjs(kind, attr, w, tf_shape):
    """The inverse of to_torch."""
    if kind == 'Conv2D' and attr == 'weight':
        return w.permute(2, 3, 1, 0).contiguous()
    if kind == 'DepthwiseConv2D' and attr == 'weight':
        kh, kw, cin, mult = tf_shape
        return w.reshape(cin, mult, kh, kw).permute(2, 3, 0, 1).contiguous()
    if kind == 'Dense' and attr == 'weight':
        return w.t().contiguous()
    return w.contiguous()


WEIGHT_ATTRS = {
    'Conv2D': lambda c: ['weight'] + (['bias'] if c.get('use_bias', True) else []),
    'DepthwiseConv2D': lambda c: ['weight'] + (['bias'] if c.get('use_bias', True) else []),
    'Dense': lambda c: ['weight'] + (['bias'] if c.get('use_bias', True) else []),
    'BatchNormalization': lambda c: (['gamma'] if c.get('scale', True) else []) + (['beta'] if c.get('center', True) else [])
    + ['running_mean', 'running_var'],
}
STATELESS = {'InputLayer', 'ZeroPadding2D', 'Activation', 'Add', 'Concatenate', 'MaxPooling2D', 'AveragePooling2D',
             'UpSampling2D', 'GlobalAveragePooling2D', 'Flatten', 'Dropout', 'Softmax', 'ReLU'}


def build_layer(spec, weights):
    """weights: tensors in tfjs layout and order for this layer."""
    kind = spec['class_name']
    if kind not in WEIGHT_ATTRS and kind not in STATELESS:
        raise ValueError(f"layer {spec['name']}: {kind} is not supported by the torch engine")
    layer = Layer(spec, spec.get('trainable', True))
    attrs = WEIGHT_ATTRS.get(kind, lambda c: [])(layer.cfg)
    if len(attrs) != len(weights):
        raise ValueError(f"layer {spec['name']} ({kind}) has {len(weights)} weights, the torch engine expects {len(attrs)}")
    for attr, w in zip(attrs, weights):
        layer.add(attr, to_torch(kind, attr, w), w.shape, trainable=not attr.startswith('running_'))
    return layer


def conv_like(layer, x, weight, groups):
    c = layer.cfg
    k, s, d = pair(c['kernel_size']), pair(c['strides']), pair(c.get('dilation_rate', 1))
    if c.get('padding') == 'same':
        if s == (1, 1) and k[0] % 2 == 1 and k[1] % 2 == 1:
            pad = ((k[0] - 1) * d[0] // 2, (k[1] - 1) * d[1] // 2)
            y = F.conv2d(x, weight, getattr(layer, 'bias', None), s, pad, d, groups)
        else:
            y = F.conv2d(pad_same(x, k, s, d), weight, getattr(layer, 'bias', None), s, 0, d, groups)
    else:
        y = F.conv2d(x, weight, getattr(layer, 'bias', None), s, 0, d, groups)
    return activation(c.get('activation'))(y)


def pool(layer, x, kind):
    c = layer.cfg
    k, s = pair(c['pool_size']), pair(c.get('strides') or c['pool_size'])
    if kind == 'max':
        if c.get('padding') == 'same':
            x = pad_same(x, k, s, value=float('-inf'))
        return F.max_pool2d(x, k, s)
    if c.get('padding') != 'same':
        return F.avg_pool2d(x, k, s)
    # TF averages over the window's real pixels only, with asymmetric padding: sum / count.
    ones = torch.ones_like(x[:1, :1])
    total = F.avg_pool2d(pad_same(x, k, s), k, s, divisor_override=1)
    count = F.avg_pool2d(pad_same(ones, k, s), k, s, divisor_override=1)
    return total / count


def channel_axis(x, axis):
    """A Keras channels-last axis on an NCHW tensor."""
    if axis in (-1, x.dim() - 1) and x.dim() == 4:
        return 1
    if x.dim() == 4 and axis >= 1:
        return {1: 2, 2: 3, 3: 1}[axis]
    return axis


def run_layer(layer, xs, training):
    kind, c = layer.kind, layer.cfg
    x = xs[0]
    if kind == 'Conv2D':
        return conv_like(layer, x, layer.weight, 1)
    if kind == 'DepthwiseConv2D':
        return conv_like(layer, x, layer.weight, x.shape[1])
    if kind == 'Dense':
        return activation(c.get('activation'))(F.linear(x, layer.weight, getattr(layer, 'bias', None)))
    if kind == 'BatchNormalization':
        # Frozen batch norm runs in inference mode (running statistics, not updated), as on tfjs; so
        # does batch norm a freeze schedule froze and later unfroze (Keras' fine-tuning semantics).
        return F.batch_norm(x, layer.running_mean, layer.running_var, getattr(layer, 'gamma', None), getattr(layer, 'beta', None),
                            training and not layer.frozen and not layer.keep_inference, 1.0 - c.get('momentum', 0.99),
                            c.get('epsilon', 1e-3))
    if kind == 'Activation':
        return activation(c.get('activation'))(x)
    if kind == 'ReLU':
        return F.relu(x)
    if kind == 'Softmax':
        return F.softmax(x, dim=1)
    if kind == 'ZeroPadding2D':
        (t, b), (left, r) = c['padding']
        return F.pad(x, (left, r, t, b))
    if kind == 'Add':
        y = xs[0]
        for other in xs[1:]:
            y = y + other
        return y
    if kind == 'Concatenate':
        return torch.cat(xs, dim=channel_axis(x, c.get('axis', -1)))
    if kind == 'MaxPooling2D':
        return pool(layer, x, 'max')
    if kind == 'AveragePooling2D':
        return pool(layer, x, 'avg')
    if kind == 'UpSampling2D':
        mode = c.get('interpolation', 'nearest')
        return F.interpolate(x, scale_factor=pair(c['size']), mode=mode, **({} if mode == 'nearest' else {'align_corners': False}))
    if kind == 'GlobalAveragePooling2D':
        return x.mean(dim=(2, 3))
    if kind == 'Flatten':
        # Channels-last order, so a Dense after it keeps the tfjs weight layout.
        return (x.permute(0, 2, 3, 1) if x.dim() == 4 else x).flatten(1)
    if kind == 'Dropout':
        return F.dropout(x, c.get('rate', 0.0), training) if c.get('rate', 0.0) > 0 else x
    raise ValueError(f'layer {layer.name}: {kind} is not supported by the torch engine')


class TfjsGraph(torch.nn.Module):
    """The whole model: layers, applied as the graph's nodes say (`layer:node` keys). forward(values)
    computes what the given values lead to, so the same graph serves the full model (values = the
    image input) and the head after a cached prefix (values = the cached boundary outputs)."""

    def __init__(self, topology, weights_by_layer):
        super().__init__()
        self.layers = torch.nn.ModuleList(build_layer(s, weights_by_layer.get(s['name'], [])) for s in topology['layers'])
        self.input_name = topology['input']
        self.output_name = topology['output']
        self.plans = {}

    def plan(self, known, wanted):
        """The nodes to run, in order, from the keys `known` to the keys `wanted`."""
        key = (tuple(known), tuple(wanted))
        if key not in self.plans:
            have, order, pending = set(known), [], [(layer, i, ins) for layer in self.layers if layer.kind != 'InputLayer'
                                                     for i, ins in enumerate(layer.nodes)]
            progress = True
            while progress and not all(w in have for w in wanted):
                progress = False
                for item in pending:
                    layer, i, ins = item
                    out = f'{layer.name}:{i}'
                    if out not in have and all(k in have for k in ins):
                        order.append(item)
                        have.add(out)
                        progress = True
            missing = [w for w in wanted if w not in have]
            if missing:
                raise ValueError(f"the model's graph does not reach {', '.join(missing)} from {', '.join(known)}")
            self.plans[key] = order
        return self.plans[key]

    def forward(self, values, training, upto=None):
        wanted = upto or [self.output_name]
        values = dict(values)
        for layer, i, ins in self.plan(list(values), wanted):
            values[f'{layer.name}:{i}'] = run_layer(layer, [values[k] for k in ins], training)
        return [values[k] for k in upto] if upto else values[self.output_name]

    def tfjs_weights(self):
        """(layer name, [tensor in tfjs layout]) for every layer with weights, in graph order."""
        out = []
        for layer in self.layers:
            if layer.weight_names:
                out.append((layer.name, [to_tfjs(layer.kind, a, getattr(layer, a).detach(), s)
                                         for a, s in zip(layer.weight_names, layer.tf_shapes)]))
        return out

    def trainable(self):
        """(tfjs layer name, attribute, parameter) of the weights the optimizer updates, in tfjs order."""
        return [(layer.name, a, getattr(layer, a)) for layer in self.layers for a in layer.weight_names
                if isinstance(getattr(layer, a), torch.nn.Parameter) and getattr(layer, a).requires_grad]

    def param_counts(self):
        """YOLOv5's count: every parameter (BN running statistics excluded), and the trainable ones."""
        total = sum(p.numel() for p in self.parameters())
        return total, sum(p.numel() for p in self.parameters() if p.requires_grad)
