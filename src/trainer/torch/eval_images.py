# Per validation image, from the outputs the worker's evaluation computes anyway: the predicted class
# (the argmax the accuracy counts), the model's probability for it and the true class's loss (the
# cross-entropy whose mean is val/loss). Returned with each evaluated batch, for
# src/trainer/predictions/imageOutputs.ts.
import torch
import torch.nn.functional as F


def image_outputs(y, labels, output):
    """Predicted classes, their probabilities and the per-image losses of one batch's outputs `y`."""
    pred = y.argmax(1)
    if output == 'logits':
        prob = F.softmax(y, 1).gather(1, pred[:, None])[:, 0]
        loss = F.cross_entropy(y, labels, reduction='none')
    else:
        prob = y.gather(1, pred[:, None])[:, 0]
        loss = F.nll_loss(torch.log(y.clamp(1e-7, 1.0)), labels, reduction='none')
    return pred, prob.float(), loss.float()
