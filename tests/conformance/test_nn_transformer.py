"""Conformance of scaled_dot_product_attention, MultiheadAttention and the Transformer family against PyTorch."""
import copy
import warnings

import numpy as np
import pytest

import ember

from .moduleinfo import C, ModuleInfo, make_module_tests, rand
from .opinfo import FLOAT, HALF, OpInfo, S, make_arg, make_tests, nograd

try:
    import torch
except ImportError:
    torch = None


warnings.filterwarnings("ignore", message="enable_nested_tensor is True")


# ---------------------------------------------------------------------------
# scaled_dot_product_attention

def _sdpa_samples(dtype, rng):
    def a(*shape, **kw):
        return make_arg(shape, dtype, rng, low=-1, high=1, **kw)
    yield S(a(2, 3, 4, 5), a(2, 3, 6, 5), a(2, 3, 6, 7))
    yield S(a(4, 5), a(6, 5), a(6, 3))                                       # no batch dims
    yield S(a(2, 4, 5), a(1, 6, 5), a(1, 6, 5), scale=0.3)                   # broadcast batch
    yield S(a(2, 2, 4, 5), a(2, 2, 6, 5), a(2, 2, 6, 5), is_causal=True)     # top-left causal, L != S
    yield S(a(2, 2, 6, 5), a(2, 2, 4, 5), a(2, 2, 4, 5), is_causal=True)
    mask = rng.random((4, 6)) > 0.4
    mask[1] = False  # a row with nothing to attend to gives zeros
    yield S(a(2, 3, 4, 5), a(2, 3, 6, 5), a(2, 3, 6, 5), attn_mask=mask)
    yield S(a(2, 3, 4, 5), a(2, 3, 6, 5), a(2, 3, 6, 5), attn_mask=rng.random((2, 1, 4, 6)) > 0.3)
    yield S(a(2, 3, 4, 5), a(2, 3, 6, 5), a(2, 3, 6, 5), attn_mask=a(3, 4, 6))   # float mask, gets a gradient
    inf_mask = np.where(rng.random((4, 6)) > 0.3, 0.0, -np.inf).astype(dtype)
    yield S(a(1, 2, 4, 5), a(1, 2, 6, 5), a(1, 2, 6, 5), attn_mask=nograd(inf_mask), dropout_p=0.0)
    yield S(a(2, 4, 3, 5), a(2, 2, 6, 5), a(2, 2, 6, 4), enable_gqa=True)   # grouped-query attention
    yield S(a(2, 4, 3, 5), a(2, 1, 6, 5), a(2, 1, 6, 4), enable_gqa=True, is_causal=True, scale=0.5)
    yield S(a(0, 2, 3, 5), a(0, 2, 4, 5), a(0, 2, 4, 5))                    # empty batch


def _sdpa_errors(rng):
    f32, f64 = make_arg((2, 4, 5), "float32", rng), make_arg((2, 4, 5), "float64", rng)
    yield S(f32, f64, f64)                                                   # dtype mismatch
    yield S(f32, f32, f32, attn_mask=np.ones((4, 4), bool), is_causal=True)  # mask and is_causal
    yield S(f32, make_arg((2, 4, 3), "float32", rng), f32)                   # head dims differ
    yield S(f32, f32, f32, attn_mask=np.ones((4, 4), np.int64))              # integer mask
    yield S(f32, f32, f32, attn_mask=np.ones((5, 4), bool))                  # mask shape
    yield S(f32, f32, f32, attn_mask=np.zeros((4, 4), np.float64))           # float mask of another precision
    yield S(f32.astype(np.int64), f32.astype(np.int64), f32.astype(np.int64))  # integer inputs
    yield S(f32[0, 0], f32[0, 0], f32[0, 0])                                 # 1-D inputs
    yield S(f32, make_arg((3, 4, 5), "float32", rng), make_arg((3, 4, 5), "float32", rng))  # batch mismatch
    q, kv = make_arg((1, 3, 4, 5), "float32", rng), make_arg((1, 2, 4, 5), "float32", rng)
    yield S(q, kv, kv, enable_gqa=True)                                      # heads don't divide


OPS = [
    OpInfo("nn.functional.scaled_dot_product_attention", _sdpa_samples, dtypes=FLOAT + HALF, errors=_sdpa_errors,
           atol=1e-5, rtol=1e-4),
]

globals().update(make_tests(OPS))


# ---------------------------------------------------------------------------
# MultiheadAttention

def _qkv(rng, v, L=4, S=5, N=2, unbatched=False):
    kw = v.kwargs
    E = v.args[0]
    kdim, vdim = kw.get("kdim") or E, kw.get("vdim") or E
    if unbatched:
        return rand(rng, L, E), rand(rng, S, kdim), rand(rng, S, vdim)
    bf = kw.get("batch_first", False)
    sh = (lambda n, s, e: (n, s, e)) if bf else (lambda n, s, e: (s, n, e))
    return rand(rng, *sh(N, L, E)), rand(rng, *sh(N, S, kdim)), rand(rng, *sh(N, S, vdim))


def _padding(rng, N=2, S=5):
    m = np.zeros((N, S), bool)
    m[0, 3:] = True
    m[1, 4:] = True
    return m


def _mha(mask=None, unbatched=False, need_weights=True, average=True, is_causal=False):
    def inputs(rng, v):
        q, k, val = _qkv(rng, v, unbatched=unbatched)
        kpm = attn = None
        if mask in ("padding", "both"):
            kpm = _padding(rng)
        if mask in ("bool", "both"):
            attn = rng.random((4, 5)) > 0.7
        if mask == "float":
            attn = rand(rng, 4, 5)
        if mask == "3d":
            attn = rng.random((2 * v.args[1], 4, 5)) > 0.7
        if mask == "causal":
            q = k = val = _qkv(rng, v, L=5)[0]
            attn = np.triu(np.full((5, 5), -np.inf), 1)
        return [q, k, val, kpm, need_weights, attn, average, is_causal]
    return inputs


MHA_VARIANTS = [C(8, 2), C(8, 2, batch_first=True), C(8, 4, bias=False), C(8, 2, add_bias_kv=True),
                C(8, 2, add_zero_attn=True), C(8, 2, kdim=3, vdim=5), C(8, 2, kdim=3, vdim=5, batch_first=True)]

MODULES = [
    ModuleInfo("MultiheadAttention", MHA_VARIANTS, inputs=_mha()),
    ModuleInfo("MultiheadAttention", MHA_VARIANTS[:2], inputs=_mha("padding")),
    ModuleInfo("MultiheadAttention", MHA_VARIANTS[:2] + MHA_VARIANTS[3:5], inputs=_mha("both", average=False)),
    ModuleInfo("MultiheadAttention", MHA_VARIANTS[:1], inputs=_mha("float")),
    ModuleInfo("MultiheadAttention", MHA_VARIANTS[:2], inputs=_mha("3d", need_weights=False)),
    ModuleInfo("MultiheadAttention", MHA_VARIANTS[:2], inputs=_mha("causal", need_weights=False, is_causal=True)),
    ModuleInfo("MultiheadAttention", MHA_VARIANTS[:2], inputs=_mha("padding", need_weights=False)),
    ModuleInfo("MultiheadAttention", [C(8, 2), C(8, 2, kdim=3, vdim=5)], inputs=_mha(unbatched=True)),
]


# ---------------------------------------------------------------------------
# encoder / decoder layers and the full Transformer (dropout 0 for exact comparison)

def _seq(rng, v, L, N=2, d=8):
    return rand(rng, N, L, d) if v.kwargs.get("batch_first") else rand(rng, L, N, d)


def _causal(L):
    return np.triu(np.full((L, L), -np.inf), 1)


def _enc(mask=None):
    def inputs(rng, v):
        src = _seq(rng, v, 5)
        if mask == "causal":
            return [src, _causal(5), None, True]
        if mask == "padding":
            return [src, None, _padding(rng)]
        if mask == "both":
            return [src, _causal(5) > -1, _padding(rng)]  # bool masks: True = masked out
        return [src]
    return inputs


def _dec(mask=None):
    def inputs(rng, v):
        tgt, mem = _seq(rng, v, 4), _seq(rng, v, 5)
        if mask == "causal":
            return [tgt, mem, _causal(4), None, None, None, True]
        if mask == "padding":
            return [tgt, mem, _causal(4), None, None, _padding(rng)]
        return [tgt, mem]
    return inputs


LAYER = {"dim_feedforward": 16, "dropout": 0.0}
LAYER_VARIANTS = [C(8, 2, **LAYER), C(8, 2, **LAYER, batch_first=True), C(8, 2, **LAYER, norm_first=True),
                  C(8, 2, **LAYER, batch_first=True, norm_first=True, activation="gelu"),
                  C(8, 2, **LAYER, bias=False, layer_norm_eps=1e-3)]

MODULES += [
    ModuleInfo("TransformerEncoderLayer", LAYER_VARIANTS, inputs=_enc()),
    ModuleInfo("TransformerEncoderLayer", LAYER_VARIANTS[:3], inputs=_enc("causal")),
    ModuleInfo("TransformerEncoderLayer", LAYER_VARIANTS[:2], inputs=_enc("padding")),
    ModuleInfo("TransformerEncoderLayer", LAYER_VARIANTS[1:2], inputs=_enc("both")),
    ModuleInfo("TransformerDecoderLayer", LAYER_VARIANTS, inputs=_dec()),
    ModuleInfo("TransformerDecoderLayer", LAYER_VARIANTS[:3], inputs=_dec("causal")),
    ModuleInfo("TransformerDecoderLayer", LAYER_VARIANTS[1:2], inputs=_dec("padding")),
    # dropout is off in eval mode, so default-dropout layers compare exactly there
    ModuleInfo("TransformerEncoderLayer", [C(8, 2, 16), C(8, 2, 16, batch_first=True)], inputs=_enc("padding"),
               modes=("eval",)),
    ModuleInfo("TransformerDecoderLayer", [C(8, 2, 16, norm_first=True)], inputs=_dec("causal"), modes=("eval",)),
    ModuleInfo("MultiheadAttention", [C(8, 2, dropout=0.3)], inputs=_mha("padding"), modes=("eval",)),
    ModuleInfo("Transformer", [C(8, 2, 1, 1, 16, 0.0), C(8, 2, 1, 1, 16, 0.0, batch_first=True, norm_first=True)],
               inputs=lambda rng, v: [_seq(rng, v, 5), _seq(rng, v, 4), None, _causal(4), None, _padding(rng)],
               atol=1e-5, rtol=1e-3),
]

globals().update(make_module_tests(MODULES))


# ---------------------------------------------------------------------------
# stacks built from a layer instance (the harness builds modules from constructor arguments only)

def _pair(build, dtype):
    torch.manual_seed(0)
    t_mod, e_mod = build(torch.nn), build(ember.nn)
    if dtype == "float64":
        t_mod, e_mod = t_mod.double(), e_mod.double()
    t_sd = t_mod.state_dict()
    assert list(t_sd) == list(e_mod.state_dict())
    e_mod.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in t_sd.items()})
    return t_mod, e_mod


def _t(fw, a, dtype, grad=False):
    a = a.astype(dtype) if a.dtype.kind == "f" else a
    t = (torch.from_numpy if fw == "torch" else ember.from_numpy)(a.copy())
    return t.requires_grad_() if grad else t


STACKS = {
    "encoder": lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True), 2,
                                                norm=nn.LayerNorm(8)),
    "encoder-seqfirst": lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, 0.0), 3,
                                                         enable_nested_tensor=False),
    "decoder": lambda nn: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, 0.0, batch_first=True), 2,
                                                norm=nn.LayerNorm(8)),
}


@pytest.mark.torch
@pytest.mark.parametrize("mode", ["train", "eval", "inference"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(STACKS))
def test_stack(name, dtype, mode):
    rng = np.random.default_rng(0)
    t_mod, e_mod = _pair(STACKS[name], dtype)
    t_mod.train(mode == "train")
    e_mod.train(mode == "train")
    src, mem = rand(rng, 2, 5, 8), rand(rng, 2, 6, 8)
    if name.endswith("seqfirst"):
        src = src.transpose(1, 0, 2)
    kpm = _padding(rng)
    grad = mode != "inference"
    for masks in ({}, {"mask": _causal(5)}, {"src_key_padding_mask": kpm}):
        if name == "decoder":
            masks = {"tgt_mask" if k == "mask" else "memory_key_padding_mask": v for k, v in masks.items()}
            if "memory_key_padding_mask" in masks:
                masks["memory_key_padding_mask"] = np.concatenate([kpm, np.zeros((2, 1), bool)], 1)
        args = {fw: [_t(fw, src, dtype, grad)] + ([_t(fw, mem, dtype, grad)] if name == "decoder" else [])
                for fw in ("torch", "ember")}
        kw = {fw: {k: _t(fw, v, dtype) for k, v in masks.items()} for fw in ("torch", "ember")}
        with torch.set_grad_enabled(grad), ember.set_grad_enabled(grad):
            t_out, e_out = t_mod(*args["torch"], **kw["torch"]), e_mod(*args["ember"], **kw["ember"])
        np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), atol=1e-4, rtol=1e-4,
                                   err_msg=str(masks.keys()))
        if not grad:
            continue
        g = rng.standard_normal(tuple(t_out.shape)).astype(dtype)
        t_out.backward(torch.from_numpy(g))
        e_out.backward(ember.from_numpy(g))
        for (n, tp), ep in zip(t_mod.named_parameters(), e_mod.parameters()):
            np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), atol=1e-4, rtol=1e-3, err_msg=n)
            tp.grad = None
            ep.grad = None


# ---------------------------------------------------------------------------
# plain tests

def test_generate_square_subsequent_mask():
    m = ember.nn.Transformer.generate_square_subsequent_mask(4)
    np.testing.assert_array_equal(m.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())
    assert m.dtype is ember.float32
    assert ember.nn.Transformer.generate_square_subsequent_mask(3, dtype=ember.float64).dtype is ember.float64


def test_layers_are_deep_copies():
    layer = ember.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    enc = ember.nn.TransformerEncoder(layer, 2)
    assert enc.layers[0] is not layer and enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    assert "layers.1.self_attn.in_proj_weight" in enc.state_dict()


def test_activation_flag_and_errors():
    assert ember.nn.TransformerEncoderLayer(8, 2).activation_relu_or_gelu == 1
    assert ember.nn.TransformerEncoderLayer(8, 2, activation="gelu").activation_relu_or_gelu == 2
    assert ember.nn.TransformerEncoderLayer(8, 2, activation=lambda x: x).activation_relu_or_gelu == 0
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        ember.nn.TransformerEncoderLayer(8, 2, activation="tanh")
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        ember.nn.MultiheadAttention(8, 3)
    with pytest.raises(ValueError):
        ember.nn.MultiheadAttention(0, 2)


@pytest.mark.torch
def test_mha_mask_errors():
    """Wrong mask shapes raise PyTorch's exception types."""
    cases = [{"attn_mask": np.zeros((3, 5), bool)}, {"attn_mask": np.zeros((3, 4, 5), bool)},
             {"key_padding_mask": np.zeros((2, 4), bool)}, {"key_padding_mask": np.zeros((2,), bool)},
             {"attn_mask": np.zeros((4, 5), np.int64)}, {"is_causal": True}]
    rng = np.random.default_rng(0)
    q, k, v = rand(rng, 4, 2, 8), rand(rng, 5, 2, 8), rand(rng, 5, 2, 8)
    for case in cases:
        mods = {fw: (torch if fw == "torch" else ember).nn.MultiheadAttention(8, 2) for fw in ("torch",
                                                                                                      "ember")}
        errs = []
        for fw, mod in mods.items():
            kw = {n: (_t(fw, a, "float32") if isinstance(a, np.ndarray) else a) for n, a in case.items()}
            with pytest.raises(Exception) as exc:
                mod(*[_t(fw, a, "float32") for a in (q, k, v)], **kw)
            errs.append(exc.type)
        assert errs[0] is errs[1], (case, errs)


@pytest.mark.torch
def test_mha_functional_matches_torch():
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(8, 2, add_bias_kv=True).double()
    arrays = [rand(rng, 4, 2, 8), rand(rng, 5, 2, 8), rand(rng, 5, 2, 8)]
    params = [tm.in_proj_weight, tm.in_proj_bias, tm.bias_k, tm.bias_v]
    outs = []
    for lib in (torch, ember):
        ps = [lib.from_numpy(p.detach().numpy().copy()) for p in params]
        ow = lib.from_numpy(tm.out_proj.weight.detach().numpy().copy())
        ob = lib.from_numpy(tm.out_proj.bias.detach().numpy().copy())
        x = [lib.from_numpy(a.copy()) for a in arrays]
        out, w = lib.nn.functional.multi_head_attention_forward(*x, 8, 2, ps[0], ps[1], ps[2], ps[3], True, 0.0, ow,
                                                                ob, training=False, average_attn_weights=False)
        outs.append((out.numpy(), w.numpy()))
    np.testing.assert_allclose(outs[1][0], outs[0][0], atol=1e-10)
    np.testing.assert_allclose(outs[1][1], outs[0][1], atol=1e-10)


def test_sdpa_double_backward():
    rng = np.random.default_rng(0)
    q, k, v = (ember.from_numpy(rand(rng, 2, 3, 4)).requires_grad_() for _ in range(3))
    mask = ember.from_numpy(rng.random((3, 3)) > 0.3)
    f = lambda q, k, v: ember.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert ember.autograd.gradgradcheck(f, (q, k, v))
    w = lambda q, k, v: ember.nn.functional._attention._attend(q, k, v, None, 0.7)[1]
    assert ember.autograd.gradcheck(w, (q, k, v)) and ember.autograd.gradgradcheck(w, (q, k, v))


@pytest.mark.torch
def test_dropout_statistics():
    """With dropout, kept attention weights are scaled by 1/(1-p) and the rest are zero; eval mode is exact."""
    ember.manual_seed(0)
    mha = ember.nn.MultiheadAttention(8, 2, dropout=0.5)
    x = ember.randn(16, 4, 8)
    _, w = mha(x, x, x, average_attn_weights=False)
    _, w0 = mha.eval()(x, x, x, average_attn_weights=False)
    ratio = w.detach().numpy() / w0.detach().numpy()
    assert np.all(np.isclose(ratio, 0) | np.isclose(ratio, 2, rtol=1e-4))
    assert 0.4 < np.isclose(ratio, 0).mean() < 0.6


def test_deepcopy_shares_nothing():
    mha = ember.nn.MultiheadAttention(8, 2)
    other = copy.deepcopy(mha)
    assert other.in_proj_weight is not mha.in_proj_weight
    np.testing.assert_array_equal(other.in_proj_weight.detach().numpy(), mha.in_proj_weight.detach().numpy())


def test_training_with_dropout_runs_and_differs_from_eval():
    ember.manual_seed(0)
    layer = ember.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5, batch_first=True)
    x = ember.randn(3, 5, 8, requires_grad=True)
    y = layer(x, is_causal=True, src_mask=ember.nn.Transformer.generate_square_subsequent_mask(5))
    y.sum().backward()
    assert np.isfinite(x.grad.numpy()).all() and np.isfinite(layer.self_attn.in_proj_weight.grad.numpy()).all()
    layer.eval()
    with ember.no_grad():
        assert not np.allclose(layer(x).numpy(), y.detach().numpy())


@pytest.mark.torch
def test_custom_encoder_and_causal_detection():
    enc = ember.nn.TransformerEncoder(ember.nn.TransformerEncoderLayer(8, 2, 16, 0.0), 1)
    model = ember.nn.Transformer(8, 2, dim_feedforward=16, dropout=0.0, custom_encoder=enc, num_decoder_layers=1)
    assert model.encoder is enc
    from ember.nn.modules.transformer import _detect_is_causal_mask
    m = ember.nn.Transformer.generate_square_subsequent_mask(4)
    assert _detect_is_causal_mask(m) and not _detect_is_causal_mask(m, is_causal=False)
    assert not _detect_is_causal_mask(ember.zeros(4, 4)) and not _detect_is_causal_mask(m, size=3)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        model(ember.randn(5, 2, 8), ember.randn(4, 3, 8))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_model"):
        model(ember.randn(5, 2, 8), ember.randn(4, 2, 6))


@pytest.mark.torch
@pytest.mark.parametrize("grad", [True, False])
@pytest.mark.parametrize("need_weights", [True, False])
def test_fully_masked_rows_like_torch(grad, need_weights):
    """A query whose keys are all padded gives NaN where PyTorch's path uses a plain softmax, zeros under SDPA."""
    torch.manual_seed(0)
    t = torch.nn.MultiheadAttention(8, 2, batch_first=True).eval()
    e = ember.nn.MultiheadAttention(8, 2, batch_first=True).eval()
    e.load_state_dict({k: ember.from_numpy(v.numpy().copy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 5, 8)).astype(np.float32)
    kpm = np.zeros((2, 5), bool)
    kpm[0] = True
    with torch.set_grad_enabled(grad), ember.set_grad_enabled(grad):
        to = t(*[torch.from_numpy(x)] * 3, key_padding_mask=torch.from_numpy(kpm), need_weights=need_weights)[0]
        eo = e(*[ember.from_numpy(x)] * 3, key_padding_mask=ember.from_numpy(kpm), need_weights=need_weights)[0]
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), atol=1e-5, equal_nan=True)
