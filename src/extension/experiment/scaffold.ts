// The one scaffold "Create Experiment" writes. The parser's unit tests parse it, so it follows
// the experiment format wherever that goes.

/** File name of the architecture the scaffolded experiment points at. */
export const SCAFFOLD_MODEL_FILE = 'model.yaml';

export const SCAFFOLD_MODEL = `# A small CNN in YOLOv5's model-YAML format (the same format as YOLOv5's models/yolov5s.yaml).
# Each row is [from, number, module, args]: from = input module (-1 = the previous one),
# number = repeats, module = layer type, args = its arguments (output channels first).
nc: 5 # number of classes
depth_multiple: 1.0 # scales 'number'
width_multiple: 1.0 # scales channels

# Modules 0-3: the backbone, frozen by "Freeze Backbone" (as YOLOv5's --freeze 10)
backbone:
  - [-1, 1, Conv, [16, 3, 1]] # 0: 3x3 conv + batch-norm + SiLU
  - [-1, 1, MaxPool, [2, 2]] # 1
  - [-1, 1, Conv, [32, 3, 1]] # 2
  - [-1, 1, MaxPool, [2, 2]] # 3

# The head: trained on the new task
head:
  - [-1, 1, Classify, [nc]] # 4: conv + pool + linear to nc classes
`;

export const SCAFFOLD_EXPERIMENT = `# Transfer Lab experiment. Tick modules in the Modules view to freeze them;
# the 'freeze:' line below follows. Start it with "Transfer Lab: Start Run".

name: my-experiment

# Architecture: a YOLOv5-style model YAML, or a TensorFlow.js model.json
model: ${SCAFFOLD_MODEL_FILE}

# Pretrained weights to start from (a model.json or another run's weights/best). Optional.
# weights: runs/pretrain/weights/best

# Data: the bundled MNIST digits (pick classes and a label budget), or image folders:
#   data: { source: folder, path: data }   # data/train/<class>/*.png and data/val/<class>/*.png
data:
  source: mnist
  classes: [0, 1, 2, 3, 4]
  limit: 1000 # training labels to use

train:
  epochs: 5
  batch: 32
  optimizer: adam # adam or sgd
  lr: 0.001
  seed: 0 # same seed, same run
  imgsz: 28

# As YOLOv5's --freeze: N freezes modules 0..N-1; a list freezes exactly those modules
# (and may name single layers, e.g. model.2.bn). 0 trains everything.
freeze: 0
`;
