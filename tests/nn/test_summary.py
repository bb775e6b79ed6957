"""ember.utils.summary: a torchinfo-style table computed on the meta device."""
import time
import tracemalloc

import pytest

import ember
from ember import nn
from ember.utils.summary import summary


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.flat = nn.Flatten()
        self.head = nn.Sequential(nn.Linear(8 * 4 * 4, 10), nn.Sequential(nn.LayerNorm(10), nn.Identity()))
        self.emb = nn.Embedding(100, 4)

    def forward(self, x, ids=None):
        y = self.head(self.flat(self.bn(self.conv(x))))
        if ids is not None:
            y = y + self.emb(ids).sum(1).sum(1, keepdim=True)
        return y, y.sum(1)


def rows(s):
    return [(r.path, r.class_name, r.depth, r.output_shape, r.num_params) for r in s.layers]


def test_sequential_rows_and_totals(capsys):
    m = nn.Sequential(nn.Linear(4, 8), nn.Identity(), nn.Linear(8, 2))
    s = summary(m, (64, 4))
    out = capsys.readouterr().out
    assert out.strip() == str(s).strip()
    assert rows(s) == [("", "Sequential", 0, [64, 2], 0), ("0", "Linear", 1, [64, 8], 40),
                       ("1", "Identity", 1, [64, 8], 0), ("2", "Linear", 1, [64, 2], 18)]
    assert (s.total_params, s.trainable_params, s.non_trainable_params) == (58, 58, 0)
    text = str(s)
    for piece in ["Layer (type (path))", "Output Shape", "Param #", "├─Linear (0)", "└─Linear (2)", "[64, 8]",
                  "Total params: 58", "Trainable params: 58", "Non-trainable params: 0"]:
        assert piece in text, piece
    assert repr(s) == text


def test_nested_paths_depth_and_multiple_inputs():
    m = Encoder()
    m.emb.weight.requires_grad_(False)
    s = summary(m, [(2, 3, 4, 4), (2, 5)], dtypes=[ember.float32, ember.int64], verbose=0)
    r = rows(s)
    assert r[0] == ("", "Encoder", 0, [[2, 10], [2]], 0)
    assert ("head.1.0", "LayerNorm", 3, [2, 10], 20) in r
    assert ("emb", "Embedding", 1, [2, 5, 4], 400) in r
    assert [x[0] for x in r] == ["", "conv", "bn", "flat", "head", "head.0", "head.1", "head.1.0", "head.1.1", "emb"]
    total = sum(p.numel() for p in m.parameters())
    assert s.total_params == total and s.trainable_params == total - 400 and s.non_trainable_params == 400
    assert f"Total params: {total:,}" in str(s) and total == 1950
    assert "│    │    ├─LayerNorm (head.1.0)" in str(s)
    # depth=1: deeper rows are folded into their ancestor's count
    s1 = summary(m, [(2, 3, 4, 4), (2, 5)], dtypes=[ember.float32, ember.int64], depth=1, verbose=0)
    assert [x[0] for x in rows(s1)] == ["", "conv", "bn", "flat", "head", "emb"]
    assert {x[0]: x[4] for x in rows(s1)}["head"] == 128 * 10 + 10 + 20
    assert sum(x[4] for x in rows(s1)) == total


def test_input_data_kwargs_and_model_untouched():
    m = Encoder()
    before = {k: v.clone() for k, v in m.state_dict().items()}
    hooks = len(m.conv._forward_hooks)
    s = summary(m, input_data={"x": ember.randn(2, 3, 4, 4)}, verbose=0)
    assert "emb" not in [r.path for r in s.layers]  # not called
    s2 = summary(m, input_data=[ember.randn(2, 3, 4, 4)], verbose=0)
    assert rows(s) == rows(s2)
    assert all(p.device.type == "cpu" for p in m.parameters())
    assert all(ember.equal(before[k], v) for k, v in m.state_dict().items())  # BatchNorm stats not updated
    assert len(m.conv._forward_hooks) == hooks and m.training


def test_shared_module_called_twice():
    lin = nn.Linear(3, 3)

    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = lin
            self.b = lin

        def forward(self, x):
            return self.b(self.a(x))

    s = summary(Twice(), (1, 3), verbose=0)
    assert [(r.path, r.recursive) for r in s.layers] == [("", False), ("a", False), ("a", True)]
    assert s.total_params == 12
    assert "(recursive)" in str(s)


def test_needs_an_input():
    with pytest.raises(ValueError, match="input_size or input_data"):
        summary(nn.Linear(2, 2), verbose=0)


def test_big_model_computes_nothing():
    """A 4 x (4096 x 4096) Linear stack: the table comes from shapes alone (no 1 MB array, well under a second)."""
    def big_linear():  # real 64 MB CPU weights, without paying for their random init here
        m = nn.Linear(1, 1)
        m.weight, m.bias = nn.Parameter(ember.empty(4096, 4096)), nn.Parameter(ember.empty(4096))
        m.in_features = m.out_features = 4096
        return m

    m = nn.Sequential(*[big_linear() for _ in range(4)])
    summary(nn.Sequential(nn.Linear(2, 2)), (1, 2), verbose=0)  # warm up imports
    tracemalloc.start()
    try:
        t = time.perf_counter()
        s = summary(m, (64, 4096), verbose=0)
        elapsed = time.perf_counter() - t
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert s.total_params == 4 * (4096 * 4096 + 4096)
    assert [r.output_shape for r in s.layers] == [[64, 4096]] * 5
    # NumPy reports its data allocations to tracemalloc: the peak bounds the largest array created
    assert peak < 1024 * 1024, f"summary allocated {peak} bytes"
    assert elapsed < 0.25, f"summary took {elapsed:.3f}s"


def test_parametrized_and_hooked_modules():
    from ember.nn.utils import parametrizations
    m = nn.Sequential(parametrizations.spectral_norm(nn.Linear(4, 4)), nn.utils.spectral_norm(nn.Linear(4, 3)),
                      parametrizations.weight_norm(nn.Linear(3, 2)))
    s = summary(m, (5, 4), verbose=0)
    # the ParametrizationLists are part of their module's row, and their parameters counted there
    assert rows(s) == [("", "Sequential", 0, [5, 2], 0), ("0", "ParametrizedLinear", 1, [5, 4], 20),
                       ("1", "Linear", 1, [5, 3], 15), ("2", "ParametrizedLinear", 1, [5, 2], 10)]
    assert s.total_params == 45
    assert m[0].parametrizations.weight.original.device.type == "cpu"
    assert m[1].weight_u.device.type == "cpu"


def test_error_inside_summary_names_the_module():
    m = nn.Sequential(nn.Linear(4, 8), nn.Identity(), nn.Linear(7, 2))
    with pytest.raises(RuntimeError) as info:
        summary(m, (3, 4), verbose=0)
    msg = "\n".join([str(info.value), *getattr(info.value, "__notes__", [])])
    assert "mat1 and mat2 shapes cannot be multiplied (3x8 and 7x2)" in msg
    assert "'2' (Linear)" in msg, msg


def test_lazy_modules_and_tensor_attributes():
    m = nn.Sequential(nn.LazyLinear(8), nn.Linear(8, 2))
    m[1].table = ember.ones(100, 100)  # a plain tensor attribute is not copied either
    s = summary(m, (3, 5), verbose=0)
    assert rows(s)[1] == ("0", "Linear", 1, [3, 8], 48)  # materialized, as PyTorch turns it into a Linear
    assert s.total_params == 48 + 18
    assert isinstance(m[0].weight, nn.UninitializedParameter)  # the model itself stays lazy
