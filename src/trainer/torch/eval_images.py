# Per validation image, from the outputs the worker's evaluation computes anyway: the predicted class
# (the argmax the accuracy counts), the model's probability for it and the true class's loss (the
# cross-entropy whose mean is val/loss). Kept on the device batch by batch; written once, as float32
# (predicted classes, then probabilities, then losses), for src/trainer/predictions/imageOutputs.ts.
import torch
import torch.nn.functional as F


class ImageOutputs:
    def __init__(self):
        self.parts = []

    def add(self, y, labels, output):
        pred = y.argmax(1)
        if output == 'logits':
            prob = F.softmax(y, 1).gather(1, pred[:, None])[:, 0]
            loss = F.cross_entropy(y, labels, reduction='none')
        else:
            prob = y.gather(1, pred[:, None])[:, 0]
            loss = F.nll_loss(torch.log(y.clamp(1e-7, 1.0)), labels, reduction='none')
        self.parts.append(torch.stack([pred.float(), prob.float(), loss.float()]))

    def tensors(self):
        """[predicted…], [probability…], [loss…] over every batch added, in order."""
        if not self.parts:
            return [torch.zeros(0)] * 3
        every = torch.cat(self.parts, 1)
        return [every[0], every[1], every[2]]
