# What the torch engine needs to know about this Python: one JSON line on stdout (the trainer's probe).
import json
import sys

out = {'python': sys.executable, 'pythonVersion': sys.version.split()[0]}
try:
    import torch
    out['torch'] = torch.__version__
    out['cuda'] = bool(torch.cuda.is_available())
    out['cudaDevices'] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if out['cuda'] else []
    mps = getattr(torch.backends, 'mps', None)
    out['mps'] = bool(mps is not None and mps.is_available())
    out['threads'] = torch.get_num_threads()
except Exception as e:  # ImportError, or a broken install (missing CUDA libraries…)
    out['error'] = f'{type(e).__name__}: {e}'.split('\n')[0]
print(json.dumps(out))
