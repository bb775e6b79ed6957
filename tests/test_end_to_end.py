"""End to end: models started from their PyTorch twin's weights and fed the same batches follow PyTorch's loss curve.

Each model is defined once as a function of the library (`L` is torch or ember), so the two programs are the
same text. Dropout is off for the curve comparison; separate tests train with dropout on and check learning.
"""
import numpy as np
import pytest

import ember

try:
    import torch
except ImportError:
    torch = None


def mlp(L):
    nn = L.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def cnn(L):
    nn = L.nn
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(16 * 2 * 2, 10))


def lstm_model(L):
    nn = L.nn

    class SeqModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(20, 16)
            self.lstm = nn.LSTM(16, 32, num_layers=2, batch_first=True)
            self.head = nn.Linear(32, 20)

        def forward(self, x):
            out, _ = self.lstm(self.embed(x))
            return self.head(out)
    return SeqModel()


def transformer_lm(L, dropout=0.0):
    nn = L.nn

    class TinyLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(32, 32)
            self.pos = nn.Parameter(L.zeros(16, 32))
            layer = nn.TransformerEncoderLayer(32, 4, dim_feedforward=64, dropout=dropout, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, num_layers=2)
            self.head = nn.Linear(32, 32)

        def forward(self, x):
            n = x.shape[1]
            mask = nn.Transformer.generate_square_subsequent_mask(n)
            h = self.encoder(self.embed(x) + self.pos[:n], mask=mask, is_causal=True)
            return self.head(h)
    return TinyLM()


def _batches(kind, steps, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        if kind == "image":
            x = rng.standard_normal((16, 1, 8, 8)).astype(np.float32)
            y = (x.reshape(16, -1)[:, :10].argmax(1)).astype(np.int64)
            yield x, y
        else:
            vocab = 20 if kind == "seq" else 32
            x = (rng.integers(0, vocab, size=(8, 1)) + np.arange(16)) % vocab  # counting sequences
            yield x.astype(np.int64), ((x + 1) % vocab).astype(np.int64)  # predict the next token


def _copy_weights(t_model, e_model):
    sd = {k: ember.from_numpy(v.detach().numpy().copy()) for k, v in t_model.state_dict().items()}
    e_model.load_state_dict(sd)


def _curve(L, model, kind, steps, opt_name):
    opt = getattr(L.optim, opt_name)(model.parameters(), lr=0.01)
    losses = []
    for x, y in _batches(kind, steps):
        if x.dtype == np.float32:
            x = x.astype(np.float64)  # the models run in float64 for a tight comparison
        xb, yb = L.from_numpy(x), L.from_numpy(y)
        out = model(xb)
        loss = L.nn.functional.cross_entropy(out.reshape(-1, out.shape[-1]), yb.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return np.array(losses)


CASES = [("mlp", mlp, "image", "SGD"), ("cnn", cnn, "image", "Adam"), ("lstm", lstm_model, "seq", "Adam"),
         ("transformer", transformer_lm, "tokens", "Adam")]


@pytest.mark.torch
@pytest.mark.parametrize("name,build,kind,opt", CASES, ids=[c[0] for c in CASES])
def test_follows_pytorch_loss_curve(name, build, kind, opt):
    torch.manual_seed(0)
    t_model = build(torch).double()
    e_model = build(ember).double()
    _copy_weights(t_model, e_model)
    t_losses = _curve(torch, t_model, kind, 50, opt)
    e_losses = _curve(ember, e_model, kind, 50, opt)
    np.testing.assert_allclose(e_losses, t_losses, rtol=1e-4)
    assert e_losses[-5:].mean() < e_losses[:5].mean()


def test_transformer_with_dropout_learns_copy_task():
    """With dropout on, a tiny transformer learns to predict the next token of a repeating pattern."""
    ember.manual_seed(0)
    model = transformer_lm(ember, dropout=0.1)
    opt = ember.optim.Adam(model.parameters(), lr=3e-3)
    pattern = np.tile(np.arange(8), 4)[:17]
    x = ember.from_numpy(np.stack([np.roll(pattern, k)[:16] for k in range(8)]).astype(np.int64))
    y = ember.from_numpy(np.stack([np.roll(pattern, k)[1:17] for k in range(8)]).astype(np.int64))
    for _ in range(150):
        out = model(x)
        loss = ember.nn.functional.cross_entropy(out.reshape(-1, 32), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with ember.no_grad():
        acc = (model(x).argmax(-1) == y).float().mean().item()
    assert acc > 0.9, acc


def test_cnn_with_dropout_learns_digits_like_task():
    ember.manual_seed(0)
    rng = np.random.default_rng(1)
    protos = rng.standard_normal((10, 1, 8, 8)).astype(np.float32)
    labels = rng.integers(0, 10, 512)
    images = protos[labels] + 0.5 * rng.standard_normal((512, 1, 8, 8)).astype(np.float32)
    nn = ember.nn
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Dropout(0.2), nn.Flatten(), nn.Linear(8 * 4 * 4, 10))
    opt = ember.optim.Adam(model.parameters(), lr=1e-2)
    x, y = ember.from_numpy(images[:384]), ember.from_numpy(labels[:384])
    for _ in range(60):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with ember.no_grad():
        pred = model(ember.from_numpy(images[384:])).argmax(1)
    acc = (pred == ember.from_numpy(labels[384:])).float().mean().item()
    assert acc > 0.9, acc
