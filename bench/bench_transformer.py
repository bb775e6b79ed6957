"""Transformer benchmark: one training step of a small causal language model.

A 2-layer TransformerEncoder LM (d_model 128, 4 heads, dim_feedforward 512, dropout 0, batch_first),
token + learned position embeddings, a causal mask, a 1000-word output layer; one step is forward,
cross-entropy, backward and an Adam update on a batch of 16 sequences of 64 tokens.
Goal (issue 3): ember at most 2x PyTorch's time.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m bench.bench_transformer
"""
import numpy as np

VOCAB, D_MODEL, HEADS, FF, LAYERS, SEQ, BATCH = 1000, 128, 4, 512, 2, 64, 16


def build(lib):
    """(model, step) for framework `lib` (torch or ember)."""
    nn = lib.nn

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(VOCAB, D_MODEL)
            self.pos = nn.Parameter(lib.zeros(SEQ, D_MODEL))
            layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, FF, dropout=0.0, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
            self.head = nn.Linear(D_MODEL, VOCAB)
            self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(SEQ))

        def forward(self, tokens):
            x = self.tok(tokens) + self.pos
            x = self.encoder(x, mask=self.mask, is_causal=True)
            return self.head(x)

    lib.manual_seed(0)
    model = LM()
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    data = lib.from_numpy(rng.integers(0, VOCAB, size=(BATCH, SEQ + 1)).astype(np.int64))
    inputs, targets = data[:, :-1], data[:, 1:].reshape(-1)

    def step():
        opt.zero_grad()
        logits = model(inputs)
        loss = nn.functional.cross_entropy(logits.reshape(-1, VOCAB), targets)
        loss.backward()
        opt.step()
        return loss

    return model, step


CASES = {"transformer LM training step": lambda lib: build(lib)[1]}

if __name__ == "__main__":
    from bench._harness import run
    run("bench.bench_transformer")
