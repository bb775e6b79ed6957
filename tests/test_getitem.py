"""x[index] and x[index] = v against PyTorch: values, views, gradients and errors for a table of indices."""
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

SHAPE = (4, 5, 6)


def _t(T, data, dtype="int64"):
    return T.tensor(data, dtype=getattr(T, dtype))


def _mask(T, shape, seed=0):
    return T.from_numpy(np.random.default_rng(seed).random(shape) > 0.4)


# (id, index(T) -> index for framework T, is_basic)
INDICES = [
    ("int", lambda T: 1, True),
    ("neg_int", lambda T: -1, True),
    ("int_int", lambda T: (2, 3), True),
    ("int_int_int", lambda T: (0, -1, 5), True),
    ("slice", lambda T: slice(1, 3), True),
    ("slice_step", lambda T: slice(None, None, 2), True),
    ("slice_neg_bounds", lambda T: slice(-3, -1), True),
    ("slice_out_of_range", lambda T: slice(2, 100), True),
    ("slice_empty", lambda T: slice(3, 1), True),
    ("full_slice", lambda T: slice(None), True),
    ("slices_2d", lambda T: (slice(None), slice(1, 4, 2)), True),
    ("int_slice", lambda T: (1, slice(1, 3)), True),
    ("slice_int", lambda T: (slice(1, 3), 1), True),
    ("none", lambda T: None, True),
    ("none_middle", lambda T: (slice(None), None, 2), True),
    ("none_none", lambda T: (None, 0, None), True),
    ("ellipsis", lambda T: Ellipsis, True),
    ("ellipsis_int", lambda T: (Ellipsis, 2), True),
    ("int_ellipsis_int", lambda T: (1, Ellipsis, 2), True),
    ("ellipsis_none", lambda T: (Ellipsis, None), True),
    ("zero_dim_tensor", lambda T: _t(T, 2), True),
    ("tuple_zero_dim_tensor", lambda T: (slice(None), _t(T, -1)), True),
    ("mask_1d", lambda T: _mask(T, (4,)), False),
    ("mask_2d", lambda T: _mask(T, (4, 5), 1), False),
    ("mask_3d", lambda T: _mask(T, SHAPE, 2), False),
    ("mask_dim1", lambda T: (slice(None), _mask(T, (5,), 3)), False),
    ("mask_all_false", lambda T: T.zeros(4, dtype=T.bool), False),
    ("python_true", lambda T: True, False),
    ("python_false", lambda T: False, False),
    ("int_list", lambda T: [0, 2, 2], False),
    ("neg_int_list", lambda T: [-1, 0], False),
    ("empty_list", lambda T: [], False),
    ("empty_tensor", lambda T: _t(T, []), False),
    ("int_tensor", lambda T: _t(T, [3, 0, 3]), False),
    ("int32_tensor", lambda T: _t(T, [1, 2], "int32"), False),
    ("int_tensor_2d", lambda T: _t(T, [[0, 1], [2, 3]]), False),
    ("ndarray_index", lambda T: np.array([1, 3]), False),
    ("two_tensors", lambda T: (_t(T, [0, 1, 2]), _t(T, [4, 3, 2])), False),
    ("broadcast_tensors", lambda T: (_t(T, [[0], [3]]), _t(T, [1, 2, 4])), False),
    ("three_tensors", lambda T: (_t(T, [0, 1]), _t(T, [1, 1]), _t(T, [5, 0])), False),
    ("adv_middle", lambda T: (slice(None), _t(T, [0, 4, 1])), False),
    ("adv_last", lambda T: (Ellipsis, _t(T, [[0, 5]])), False),
    ("adv_adjacent_middle", lambda T: (slice(1, 3), _t(T, [0, 1]), _t(T, [2, 3])), False),
    ("adv_separated", lambda T: (_t(T, [0, 1]), slice(None), _t(T, [2, 3])), False),
    ("int_then_adv", lambda T: (0, slice(None), _t(T, [0, 1])), False),
    ("adv_int_adv", lambda T: (_t(T, [0, 1]), 2, _t(T, [0, 1])), False),
    ("slice_step_adv", lambda T: (slice(None, None, 2), _t(T, [1, 1])), False),
    ("none_adv", lambda T: (None, _t(T, [1, 2])), False),
    ("adv_none_adv", lambda T: (_t(T, [0, 1]), None, _t(T, [2, 3])), False),
    ("mask_and_int_tensor", lambda T: (_mask(T, (4,), 4), slice(None), _t(T, [0])), False),
    ("list_of_lists", lambda T: [[0, 1], [1, 2]], False),
    ("bool_list", lambda T: [True, False, True, True], False),
    ("ellipsis_mask", lambda T: (Ellipsis, _mask(T, (6,), 5)), False),
]

IDS = [i[0] for i in INDICES]


def _inputs(dtype="float64", seed=0):
    a = np.random.default_rng(seed).standard_normal(SHAPE)
    a = (a > 0) if dtype == "bool" else (a + 1j * a[::-1]).astype(dtype) if "complex" in dtype else a.astype(dtype)
    return ember.from_numpy(a.copy()), torch.from_numpy(a.copy())


def _index(fn, T):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(T)


def _same(e, t):
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype) == str(t.dtype)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("name,fn,basic", INDICES, ids=IDS)
@pytest.mark.parametrize("dtype", ["float64", "int32", "bool", "complex64"])
def test_getitem_values(name, fn, basic, dtype):
    e, t = _inputs(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(e[_index(fn, ember)], t[_index(fn, torch)])


@pytest.mark.parametrize("name,fn,basic", [i for i in INDICES if i[2]], ids=[i[0] for i in INDICES if i[2]])
def test_basic_index_is_view(name, fn, basic):
    e, t = _inputs()
    e.requires_grad_(True)
    t.requires_grad_(True)
    eo, to = e[_index(fn, ember)], t[_index(fn, torch)]
    assert eo._base is e
    assert eo.grad_fn.name() == to.grad_fn.name()
    assert eo.stride() == to.stride()
    if eo.numel():  # empty views: NumPy does not keep PyTorch's offset
        assert eo.storage_offset() == to.storage_offset()
        assert np.shares_memory(eo.detach().numpy(), e.detach().numpy())
    v = e.detach()[_index(fn, ember)]
    assert v._base is not None
    v.mul_(0) if v.numel() else None
    t.detach()[_index(fn, torch)].mul_(0)
    _same(e, t)  # writes through the view reach the base


@pytest.mark.parametrize("name,fn,basic", INDICES, ids=IDS)
def test_getitem_grad(name, fn, basic):
    e, t = _inputs()
    e.requires_grad_(True)
    t.requires_grad_(True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eo, to = e[_index(fn, ember)], t[_index(fn, torch)]
    if not basic:
        assert eo.grad_fn.name() == "IndexBackward0" and eo._base is None
    r = np.random.default_rng(1).standard_normal(tuple(to.shape))
    (eo * ember.from_numpy(r)).sum().backward()
    (to * torch.from_numpy(r)).sum().backward()
    _same(e.grad, t.grad)


@pytest.mark.parametrize("name,fn,basic", INDICES, ids=IDS)
def test_setitem_tensor_value(name, fn, basic):
    e, t = _inputs()
    ea, ta = e.requires_grad_(True), t.requires_grad_(True)
    ey, ty = ea * 1, ta * 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shape = tuple(t[_index(fn, torch)].shape)
        vals = np.random.default_rng(2).standard_normal(shape)
        ev, tv = ember.from_numpy(vals.copy()).requires_grad_(True), torch.from_numpy(vals.copy()).requires_grad_(True)
        ey[_index(fn, ember)] = ev
        ty[_index(fn, torch)] = tv
    _same(ey, ty)
    r = np.random.default_rng(3).standard_normal(SHAPE)
    (ey * ember.from_numpy(r)).sum().backward()
    (ty * torch.from_numpy(r)).sum().backward()
    _same(ea.grad, ta.grad)
    if tv.grad is None:  # PyTorch leaves no gradient when nothing was written
        assert ev.grad is None or ev.grad.numel() == 0
    else:
        _same(ev.grad, tv.grad)


@pytest.mark.parametrize("name,fn,basic", INDICES, ids=IDS)
def test_setitem_scalar_and_broadcast(name, fn, basic):
    for dtype in ("float32", "int64"):
        e, t = _inputs(dtype, seed=4)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            e[_index(fn, ember)] = 7.5
            t[_index(fn, torch)] = 7.5
            _same(e, t)
            shape = tuple(t[_index(fn, torch)].shape)
            if shape:  # a row broadcast along the leading dims
                row = np.arange(shape[-1], dtype=dtype)
                e[_index(fn, ember)] = ember.from_numpy(row)
                t[_index(fn, torch)] = torch.from_numpy(row)
                _same(e, t)


def test_setitem_scalar_tensor_grad_and_version():
    w_e, w_t = ember.tensor(2.0, requires_grad=True), torch.tensor(2.0, requires_grad=True)
    y_e, y_t = ember.zeros(3), torch.zeros(3)
    v0 = y_e._version
    y_e[1] = w_e
    y_t[1] = w_t
    assert y_e._version > v0
    (y_e * ember.tensor([1.0, 3.0, 5.0])).sum().backward()
    (y_t * torch.tensor([1.0, 3.0, 5.0])).sum().backward()
    assert w_e.grad.item() == w_t.grad.item() == 3.0


def test_setitem_on_view_rebases_base():
    a_e = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    a_t = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    w_e, w_t = ember.tensor(5.0, requires_grad=True), torch.tensor(5.0, requires_grad=True)
    b_e, b_t = a_e * 2, a_t * 2
    row_e, row_t = b_e[1], b_t[1]
    row_e[0] = w_e * 3
    row_t[0] = w_t * 3
    _same(b_e, b_t)
    (b_e * ember.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    (b_t * torch.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    _same(a_e.grad, a_t.grad)
    _same(w_e.grad, w_t.grad)


def test_setitem_leaf_requiring_grad_refuses():
    x = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError):
        x[0] = 1.0


def test_setitem_casts_and_strips_leading_ones():
    e, t = ember.zeros(3, dtype=ember.int64), torch.zeros(3, dtype=torch.int64)
    e[0], t[0] = 1.7, 1.7
    e[1], t[1] = ember.tensor(2.7), torch.tensor(2.7)
    _same(e, t)
    e2, t2 = ember.zeros(2, 3), torch.zeros(2, 3)
    e2[0], t2[0] = ember.ones(1, 1, 3), torch.ones(1, 1, 3)
    _same(e2, t2)
    b_e, b_t = ember.zeros(3, dtype=ember.bool), torch.zeros(3, dtype=torch.bool)
    b_e[0], b_t[0] = 2.5, 2.5
    _same(b_e, b_t)


def test_double_backward_through_index():
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x[[0, 0, 2]] ** 2).sum() if hasattr(ember.Tensor, "__pow__") else (x[[0, 0, 2]] * x[[0, 0, 2]]).sum()
    (g,) = ember.autograd.grad(y, x, create_graph=True)
    (gg,) = ember.autograd.grad((g * ember.tensor([1.0, 1.0, 1.0])).sum(), x)
    np.testing.assert_allclose(g.detach().numpy(), [4.0, 0.0, 6.0])
    np.testing.assert_allclose(gg.numpy(), [4.0, 0.0, 2.0])


ERRORS = [
    ("int_oob", lambda T: 4),
    ("neg_int_oob", lambda T: -5),
    ("dim1_oob", lambda T: (0, 5)),
    ("too_many", lambda T: (0, 0, 0, 0)),
    ("neg_step", lambda T: slice(None, None, -1)),
    ("float", lambda T: 1.5),
    ("float_tensor", lambda T: T.tensor([1.0])),
    ("int16_tensor", lambda T: T.tensor([1], dtype=T.int16)),
    ("tensor_oob", lambda T: T.tensor([0, 4])),
    ("tensor_oob_dim1", lambda T: (slice(None), T.tensor([5]))),
    ("list_neg_oob", lambda T: [-5]),
    ("mask_shape", lambda T: T.ones(3, dtype=T.bool)),
    ("mask_shape_2d", lambda T: T.ones(4, 4, dtype=T.bool)),
    ("broadcast_mismatch", lambda T: (T.tensor([0, 1]), T.tensor([0, 1, 2]))),
    ("string", lambda T: "a"),
]


@pytest.mark.parametrize("name,fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_getitem_errors(name, fn):
    e, t = _inputs()
    with pytest.raises(Exception) as texc:
        t[fn(torch)]
    with pytest.raises(texc.type) as eexc:
        e[fn(ember)]
    assert str(eexc.value) == str(texc.value)
    with pytest.raises(texc.type):
        e[fn(ember)] = 1.0


def test_setitem_errors():
    for value_e, value_t in [(ember.ones(3), torch.ones(3))]:
        with pytest.raises(RuntimeError):
            torch.zeros(3)[[0, 1]] = value_t
        with pytest.raises(RuntimeError):
            ember.zeros(3)[[0, 1]] = value_e
    for bad in ("a", [1.0], np.array([1.0])):
        with pytest.raises(TypeError) as texc:
            torch.zeros(3)[0] = bad
        with pytest.raises(TypeError) as eexc:
            ember.zeros(3)[0] = bad
        assert str(eexc.value) == str(texc.value)
    with pytest.raises(RuntimeError):
        ember.zeros(3)[1] = 1 + 2j
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
        ember.tensor(1.0)[0]


def test_uint8_mask_warns():
    e, t = _inputs()
    m = np.random.default_rng(0).random((4, 5)) > 0.5
    with pytest.warns(UserWarning, match="uint8"):
        eo = e[ember.from_numpy(m.astype(np.uint8))]
    _same(eo, t[torch.from_numpy(m)])


def test_zero_dim_and_empty_tensors():
    for make in (lambda T: T.tensor(3.0), lambda T: T.zeros(0, 3)):
        e, t = make(ember), make(torch)
        for idx in (Ellipsis, None, (None, Ellipsis), True, False):
            _same(e[idx], t[idx])
    e, t = ember.zeros(0, 3), torch.zeros(0, 3)
    _same(e[:, 1], t[:, 1])
    _same(e[ember.tensor([], dtype=ember.int64)], t[torch.tensor([], dtype=torch.int64)])


def test_large_gather_backward_accumulates_duplicates():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((50, 8)).astype(np.float32)
    i = rng.integers(-50, 50, 2000)  # many repeats, negative ones alias positive ones
    r = rng.standard_normal((2000, 8)).astype(np.float32)
    grads = []
    for T in (ember, torch):
        x = T.tensor(a, requires_grad=True)
        (x[T.tensor(i)] * T.tensor(r)).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-4, atol=1e-4)
