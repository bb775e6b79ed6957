"""One training step (forward, cross-entropy, backward, optimizer step) of small models, ember vs PyTorch.

Goal (issue 3): each at most 2x PyTorch's time.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m bench.bench_training
"""
import numpy as np


def _step(lib, model, x, y, opt):
    F = lib.nn.functional

    def step():
        out = model(x)
        loss = F.cross_entropy(out, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def mlp(lib):
    lib.manual_seed(0)
    nn = lib.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    rng = np.random.default_rng(0)
    x = lib.from_numpy(rng.standard_normal((64, 784)).astype(np.float32))
    y = lib.from_numpy(rng.integers(0, 10, 64))
    return _step(lib, model, x, y, lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9))


def cnn(lib):
    lib.manual_seed(0)
    nn = lib.nn
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(32 * 8 * 8, 10))
    rng = np.random.default_rng(0)
    x = lib.from_numpy(rng.standard_normal((32, 3, 32, 32)).astype(np.float32))
    y = lib.from_numpy(rng.integers(0, 10, 32))
    return _step(lib, model, x, y, lib.optim.Adam(model.parameters(), lr=1e-3))


def lstm(lib):
    lib.manual_seed(0)
    nn = lib.nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(32, 64, batch_first=True)
            self.head = nn.Linear(64, 10)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.head(out[:, -1])
    model = Model()
    rng = np.random.default_rng(0)
    x = lib.from_numpy(rng.standard_normal((16, 35, 32)).astype(np.float32))
    y = lib.from_numpy(rng.integers(0, 10, 16))
    return _step(lib, model, x, y, lib.optim.Adam(model.parameters(), lr=1e-3))


CASES = {"MLP 784-256-10, batch 64": mlp, "CNN 2x(conv3x3+pool), 32x32x3, batch 32": cnn,
         "LSTM 32->64, seq 35, batch 16": lstm}

if __name__ == "__main__":
    from bench._harness import run
    run("bench.bench_training")
