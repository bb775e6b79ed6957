"""Recurrent layers (RNN, LSTM, GRU, the cells) and nn.utils.rnn against PyTorch."""
import numpy as np
import pytest

import ember
import ember.nn.utils.rnn as eru  # ember.nn.utils imports it too once nn.utils/__init__ has `from . import rnn`

from .moduleinfo import C, ModuleInfo, make_module_tests, rand

torch = pytest.importorskip("torch")
tru = torch.nn.utils.rnn


def _state(rng, v, batch, unbatched=False):
    """h0 (and c0 for LSTM) for a C(input_size, hidden_size, ...) variant."""
    kw = v.kwargs
    D = 2 if kw.get("bidirectional") else 1
    L = kw.get("num_layers", 1)
    H = v.args[1]
    lead = (L * D,) if unbatched else (L * D, batch)
    h = rand(rng, *lead, kw.get("proj_size") or H)
    return h


def _seq(rng, v, T=5, B=3):
    return rand(rng, B, T, v.args[0]) if v.kwargs.get("batch_first") else rand(rng, T, B, v.args[0])


def _lstm_out(o):
    return (o[0], *o[1])


_COMMON = [C(3, 4), C(3, 4, num_layers=2), C(3, 4, bidirectional=True), C(3, 4, batch_first=True, bias=False),
           C(3, 4, num_layers=2, bidirectional=True, batch_first=True)]

ROWS = [
    ModuleInfo("RNN", _COMMON + [C(3, 4, nonlinearity="relu", bidirectional=True), C(3, 4, 2, "relu")],
               inputs=lambda rng, v: [_seq(rng, v)]),
    ModuleInfo("RNN", _COMMON, inputs=lambda rng, v: [_seq(rng, v), _state(rng, v, 3)]),
    ModuleInfo("RNN", [C(3, 4), C(3, 4, num_layers=2, bidirectional=True)],  # unbatched
               inputs=lambda rng, v: [rand(rng, 5, 3), _state(rng, v, 0, unbatched=True)]),
    ModuleInfo("GRU", _COMMON, inputs=lambda rng, v: [_seq(rng, v)]),
    ModuleInfo("GRU", _COMMON, inputs=lambda rng, v: [_seq(rng, v), _state(rng, v, 3)]),
    ModuleInfo("GRU", [C(3, 4, bidirectional=True)], inputs=lambda rng, v: [rand(rng, 5, 3)]),
    ModuleInfo("LSTM", _COMMON + [C(3, 4, proj_size=2), C(3, 5, proj_size=3, num_layers=2, bidirectional=True)],
               inputs=lambda rng, v: [_seq(rng, v)], output=_lstm_out),
    ModuleInfo("LSTM", _COMMON + [C(3, 4, proj_size=2, bidirectional=True)],
               inputs=lambda rng, v: [_seq(rng, v), (_state(rng, v, 3), rand(rng, *_state(rng, v, 3).shape[:2], 4))],
               output=_lstm_out),
    ModuleInfo("LSTM", [C(3, 4), C(3, 4, num_layers=2, bidirectional=True)],
               inputs=lambda rng, v: [rand(rng, 5, 3), (_state(rng, v, 0, True), rand(rng, _state(rng, v, 0, True).shape[0], 4))],
               output=_lstm_out),
    ModuleInfo("RNNCell", [C(3, 4), C(3, 4, bias=False), C(3, 4, nonlinearity="relu")],
               inputs=lambda rng, v: [rand(rng, 2, 3), rand(rng, 2, 4)]),
    ModuleInfo("RNNCell", [C(3, 4)], inputs=lambda rng, v: [rand(rng, 3)]),
    ModuleInfo("GRUCell", [C(3, 4), C(3, 4, bias=False)], inputs=lambda rng, v: [rand(rng, 2, 3), rand(rng, 2, 4)]),
    ModuleInfo("GRUCell", [C(3, 4)], inputs=lambda rng, v: [rand(rng, 3), rand(rng, 4)]),
    ModuleInfo("LSTMCell", [C(3, 4), C(3, 4, bias=False)],
               inputs=lambda rng, v: [rand(rng, 2, 3), (rand(rng, 2, 4), rand(rng, 2, 4))]),
    ModuleInfo("LSTMCell", [C(3, 4)], inputs=lambda rng, v: [rand(rng, 3)]),
]

globals().update(make_module_tests(ROWS))


# ---------------------------------------------------------------------------
# packed sequences


def _twins(name, kw):
    torch.manual_seed(0)
    t = getattr(torch.nn, name)(**kw).double()
    e = getattr(ember.nn, name)(**kw).double()
    e.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in t.state_dict().items()})
    return t, e


def _close(e, t, **kw):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-7, atol=1e-9, **kw)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("kw,lengths,enforce_sorted,with_hx", [
    ({}, [5, 3, 3, 1], True, False),
    ({"num_layers": 2, "bidirectional": True}, [2, 5, 1, 3], False, True),
    ({"bidirectional": True, "batch_first": True}, [4, 1, 4], False, False),
    ({"proj_size": 2, "bidirectional": True}, [2, 5, 1, 3], False, True),
])
def test_packed_rnn(name, kw, lengths, enforce_sorted, with_hx):
    if "proj_size" in kw and name != "LSTM":
        pytest.skip("proj_size is LSTM only")
    kw = dict(input_size=3, hidden_size=4, **kw)
    tm, em = _twins(name, kw)
    rng = np.random.default_rng(1)
    bf = kw.get("batch_first", False)
    T, B = max(lengths), len(lengths)
    x = rng.standard_normal((B, T, 3) if bf else (T, B, 3))
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    t_args = [tru.pack_padded_sequence(tx, lengths, batch_first=bf, enforce_sorted=enforce_sorted)]
    e_args = [eru.pack_padded_sequence(ex, lengths, batch_first=bf, enforce_sorted=enforce_sorted)]
    t_state, e_state = [], []
    if with_hx:
        D = 2 if kw.get("bidirectional") else 1
        shapes = [(kw.get("num_layers", 1) * D, B, kw.get("proj_size") or 4)]
        if name == "LSTM":
            shapes.append((shapes[0][0], B, 4))
        arrays = [rng.standard_normal(s) for s in shapes]
        t_state = [torch.tensor(a, requires_grad=True) for a in arrays]
        e_state = [ember.tensor(a, requires_grad=True) for a in arrays]
        t_args.append(tuple(t_state) if name == "LSTM" else t_state[0])
        e_args.append(tuple(e_state) if name == "LSTM" else e_state[0])
    t_out, e_out = tm(*t_args), em(*e_args)
    assert isinstance(e_out[0], eru.PackedSequence)
    _close(e_out[0].data, t_out[0].data)
    assert e_out[0].batch_sizes.tolist() == t_out[0].batch_sizes.tolist()
    t_pad, t_len = tru.pad_packed_sequence(t_out[0], batch_first=bf)
    e_pad, e_len = eru.pad_packed_sequence(e_out[0], batch_first=bf)
    assert e_len.tolist() == t_len.tolist()
    t_all = [t_pad] + (list(t_out[1]) if name == "LSTM" else [t_out[1]])
    e_all = [e_pad] + (list(e_out[1]) if name == "LSTM" else [e_out[1]])
    for e, t in zip(e_all, t_all):
        _close(e, t)
    grads = [rng.standard_normal(tuple(t.shape)) for t in t_all]
    torch.autograd.backward(t_all, [torch.tensor(g) for g in grads])
    ember.autograd.backward(e_all, [ember.tensor(g) for g in grads])
    _close(ex.grad, tx.grad)
    for e, t in zip(e_state, t_state):
        _close(e.grad, t.grad)
    e_params = dict(em.named_parameters())
    for k, p in tm.named_parameters():
        _close(e_params[k].grad, p.grad, err_msg=k)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([4, 2, 1], True), ([2, 4, 1], False), ([3, 3], True)])
def test_pack_pad_round_trip(batch_first, lengths, enforce_sorted):
    rng = np.random.default_rng(0)
    T, B = 4, len(lengths)
    x = rng.standard_normal((B, T, 2) if batch_first else (T, B, 2))
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    for lens in (lengths, torch.tensor(lengths)):
        elens = lens if isinstance(lens, list) else ember.tensor(lengths)
        tp = tru.pack_padded_sequence(tx, lens, batch_first=batch_first, enforce_sorted=enforce_sorted)
        ep = eru.pack_padded_sequence(ex, elens, batch_first=batch_first, enforce_sorted=enforce_sorted)
        _close(ep.data, tp.data)
        assert ep.batch_sizes.tolist() == tp.batch_sizes.tolist()
        assert ep.batch_sizes.dtype == ember.int64 and ep.batch_sizes.device.type == "cpu"
        for e, t in ((ep.sorted_indices, tp.sorted_indices), (ep.unsorted_indices, tp.unsorted_indices)):
            assert (e is None) == (t is None) and (e is None or e.tolist() == t.tolist())
    t_pad, t_len = tru.pad_packed_sequence(tp, batch_first=batch_first, padding_value=-2.0, total_length=6)
    e_pad, e_len = eru.pad_packed_sequence(ep, batch_first=batch_first, padding_value=-2.0, total_length=6)
    _close(e_pad, t_pad)
    assert e_len.tolist() == t_len.tolist() and e_len.dtype == ember.int64
    g = rng.standard_normal(tuple(t_pad.shape))
    t_pad.backward(torch.tensor(g))
    e_pad.backward(ember.tensor(g))
    _close(ex.grad, tx.grad)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence(batch_first, padding_side):
    rng = np.random.default_rng(0)
    seqs = [rng.standard_normal((n, 2)) for n in (3, 5, 1)]
    ts = [torch.tensor(s, requires_grad=True) for s in seqs]
    es = [ember.tensor(s, requires_grad=True) for s in seqs]
    t = tru.pad_sequence(ts, batch_first, 1.5, padding_side)
    e = eru.pad_sequence(es, batch_first, 1.5, padding_side)
    _close(e, t)
    g = rng.standard_normal(tuple(t.shape))
    t.backward(torch.tensor(g))
    e.backward(ember.tensor(g))
    for a, b in zip(es, ts):
        _close(a.grad, b.grad)
    with pytest.raises(ValueError, match="padding_side"):
        eru.pad_sequence(es, padding_side="middle")


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_unpack_sequence(enforce_sorted):
    rng = np.random.default_rng(0)
    lens = (5, 3, 1) if enforce_sorted else (3, 5, 1)
    seqs = [rng.standard_normal((n, 2)) for n in lens]
    tp = tru.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=enforce_sorted)
    ep = eru.pack_sequence([ember.tensor(s) for s in seqs], enforce_sorted=enforce_sorted)
    _close(ep.data, tp.data)
    assert ep.batch_sizes.tolist() == tp.batch_sizes.tolist()
    for e, s in zip(eru.unpack_sequence(ep), seqs):
        np.testing.assert_array_equal(e.numpy(), s)
    padded = ember.tensor(rng.standard_normal((5, 3, 2)))
    for e, t in zip(eru.unpad_sequence(padded, ember.tensor([5, 3, 1])),
                    tru.unpad_sequence(torch.tensor(padded.numpy()), torch.tensor([5, 3, 1]))):
        _close(e, t)


def test_packed_sequence_object():
    ep = eru.pack_sequence([ember.ones(3, 2), ember.ones(2, 2)])
    assert isinstance(ep, tuple) and ep._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    _data, _batch_sizes, sorted_indices, unsorted_indices = ep
    assert sorted_indices is None and unsorted_indices is None
    assert ep.is_cuda is False
    assert ep.to(ember.float32) is ep
    d = ep.double()
    assert d.data.dtype == ember.float64 and d.batch_sizes is ep.batch_sizes
    assert eru.invert_permutation(None) is None
    assert eru.invert_permutation(ember.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    p = eru.PackedSequence(ember.ones(3, 1), ember.tensor([2, 1]), ember.tensor([1, 0]))
    assert p.unsorted_indices.tolist() == [1, 0]


def test_pack_errors():
    x = ember.zeros(3, 2, 1)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        eru.pack_padded_sequence(x, [1, 3])
    with pytest.raises(RuntimeError, match=r"Expected `len\(lengths\)` to be equal to batch_size, but got 3 \(batch_size=2\)"):
        eru.pack_padded_sequence(x, [3, 2, 1])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        eru.pack_padded_sequence(x, [3, 0])
    p = eru.pack_padded_sequence(x, [3, 2])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 3"):
        eru.pad_packed_sequence(p, total_length=2)


# ---------------------------------------------------------------------------
# module structure, errors


def test_parameters_and_flat_weights():
    t = torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2)
    e = ember.nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert e._flat_weights_names == t._flat_weights_names
    assert [[tuple(p.shape) for p in ws] for ws in e.all_weights] == [[tuple(p.shape) for p in ws] for ws in t.all_weights]
    assert all(a is b for a, b in zip(e._flat_weights, e.parameters()))
    e.flatten_parameters()
    e.double()
    assert all(w.dtype == ember.float64 for w in e._flat_weights)
    bound = 1 / 5 ** 0.5
    assert all(float(p.abs().max()) <= bound for p in e.parameters())
    assert repr(e) == repr(t)
    for cls in ("RNN", "GRU"):
        with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
            getattr(ember.nn, cls)(3, 4, proj_size=2)


def test_dropout_between_layers():
    ember.manual_seed(0)
    m = ember.nn.GRU(3, 4, num_layers=2, dropout=0.5)
    x = ember.randn(6, 2, 3)
    m.eval()
    a, b = m(x)[0].detach(), m(x)[0].detach()
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    m.train()
    assert not np.allclose(m(x)[0].detach().numpy(), a.numpy())
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        ember.nn.LSTM(3, 4, dropout=0.2)
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        ember.nn.LSTM(3, 4, dropout=2)


def _same_error(fn_t, fn_e):
    with pytest.raises(Exception) as te:
        fn_t()
    with pytest.raises(type(te.value)) as ee:
        fn_e()
    assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_shape_errors(name):
    t, e = getattr(torch.nn, name)(10, 4), getattr(ember.nn, name)(10, 4)
    _same_error(lambda: t(torch.zeros(3, 2, 5)), lambda: e(ember.zeros(3, 2, 5)))
    _same_error(lambda: t(torch.zeros(3, 2, 5, 1)), lambda: e(ember.zeros(3, 2, 5, 1)))
    _same_error(lambda: t(torch.zeros(3, 2, 10, dtype=torch.float64)), lambda: e(ember.zeros(3, 2, 10, dtype=ember.float64)))
    if name == "LSTM":
        _same_error(lambda: t(torch.zeros(3, 2, 10), (torch.zeros(1, 3, 4), torch.zeros(1, 2, 4))),
                    lambda: e(ember.zeros(3, 2, 10), (ember.zeros(1, 3, 4), ember.zeros(1, 2, 4))))
        _same_error(lambda: t(torch.zeros(3, 2, 10), (torch.zeros(1, 2, 4), torch.zeros(1, 2, 5))),
                    lambda: e(ember.zeros(3, 2, 10), (ember.zeros(1, 2, 4), ember.zeros(1, 2, 5))))
        _same_error(lambda: t(torch.zeros(3, 2, 10), (torch.zeros(2, 4), torch.zeros(2, 4))),
                    lambda: e(ember.zeros(3, 2, 10), (ember.zeros(2, 4), ember.zeros(2, 4))))
    else:
        _same_error(lambda: t(torch.zeros(3, 2, 10), torch.zeros(1, 3, 4)),
                    lambda: e(ember.zeros(3, 2, 10), ember.zeros(1, 3, 4)))
        _same_error(lambda: t(torch.zeros(3, 10), torch.zeros(1, 1, 4)),
                    lambda: e(ember.zeros(3, 10), ember.zeros(1, 1, 4)))


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_errors(name):
    t, e = getattr(torch.nn, name)(10, 4), getattr(ember.nn, name)(10, 4)
    _same_error(lambda: t(torch.zeros(2, 5)), lambda: e(ember.zeros(2, 5)))
    _same_error(lambda: t(torch.zeros(2, 2, 10)), lambda: e(ember.zeros(2, 2, 10)))
    if name == "LSTMCell":
        _same_error(lambda: t(torch.zeros(2, 10), (torch.zeros(3, 4), torch.zeros(3, 4))),
                    lambda: e(ember.zeros(2, 10), (ember.zeros(3, 4), ember.zeros(3, 4))))
    else:
        _same_error(lambda: t(torch.zeros(2, 10), torch.zeros(3, 4)), lambda: e(ember.zeros(2, 10), ember.zeros(3, 4)))
        _same_error(lambda: t(torch.zeros(2, 10), torch.zeros(2, 5)), lambda: e(ember.zeros(2, 10), ember.zeros(2, 5)))


@pytest.mark.parametrize("name,kw,lengths", [("LSTM", {"proj_size": 2, "bidirectional": True}, [4, 2, 2]),
                                             ("GRU", {"bidirectional": True}, [4, 3, 1]), ("RNN", {}, None)])
def test_double_backward(name, kw, lengths):
    tm, em = _twins(name, dict(input_size=3, hidden_size=4, **kw))
    x = np.random.default_rng(0).standard_normal((4, 3, 3))
    res = []
    for lib, m, utils in ((torch, tm, tru), (ember, em, eru)):
        xx = lib.tensor(x, requires_grad=True)
        o = m(utils.pack_padded_sequence(xx, lengths, enforce_sorted=False) if lengths else xx)[0]
        o = o.data if lengths else o
        g, = lib.autograd.grad((o ** 2).sum(), xx, create_graph=True)
        (g ** 2).sum().backward()
        res.append((g, xx.grad, m.weight_hh_l0.grad, m.weight_ih_l0.grad))
    for e, t in zip(res[1], res[0]):
        _close(e, t)
