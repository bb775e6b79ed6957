"""Views share memory with their base and have PyTorch's strides; autograd sees writes through them."""
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def pair(shape=(3, 4, 5), dtype="float64"):
    data = np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)
    return ember.from_numpy(data.copy()), torch.from_numpy(data.copy())


# (name, fn): each fn takes a tensor of shape (3, 4, 5) and returns a view (the same code runs on both)
VIEWS = [
    ("t", lambda x: x.select(0, 1).t()),
    ("T2", lambda x: x.select(2, 0).T),
    ("mT", lambda x: x.mT),
    ("permute", lambda x: x.permute(2, 0, 1)),
    ("permute_tuple", lambda x: x.permute((1, 2, 0))),
    ("transpose", lambda x: x.transpose(0, 2)),
    ("swapaxes", lambda x: x.swapaxes(-1, 1)),
    ("movedim", lambda x: x.movedim(0, -1)),
    ("squeeze", lambda x: x.unsqueeze(1).squeeze()),
    ("squeeze_dim", lambda x: x.unsqueeze(-1).squeeze(-1)),
    ("unsqueeze", lambda x: x.unsqueeze(1)),
    ("unsqueeze_last", lambda x: x.transpose(0, 1).unsqueeze(3)),
    ("narrow", lambda x: x.narrow(1, 1, 2)),
    ("narrow_neg", lambda x: x.narrow(-1, -3, 2)),
    ("select", lambda x: x.select(1, 2)),
    ("unfold", lambda x: x.unfold(2, 2, 1)),
    ("unfold_step", lambda x: x.unfold(1, 2, 2)),
    ("diagonal", lambda x: x.diagonal()),
    ("diagonal_offset", lambda x: x.diagonal(1, 1, 2)),
    ("diagonal_neg", lambda x: x.diagonal(-1, -1, 0)),
    ("expand", lambda x: x.select(2, 0).unsqueeze(0).expand(2, 3, 4)),
    ("flatten", lambda x: x.flatten(1)),
    ("unflatten", lambda x: x.unflatten(2, (5, 1))),
    ("split", lambda x: x.split(2, 1)[1]),
    ("chunk", lambda x: x.chunk(2, 2)[1]),
    ("unbind", lambda x: x.unbind(1)[3]),
    ("tensor_split", lambda x: x.tensor_split([1, 3], 2)[1]),
    ("hsplit", lambda x: x.hsplit(2)[1]),
    ("view", lambda x: x.view(12, 5)),
    ("reshape_view", lambda x: x.reshape(3, 20)),
    ("ravel_view", lambda x: x.ravel()),
    ("broadcast_to", lambda x: x.select(1, 0).broadcast_to(2, 3, 5)),
    ("as_strided", lambda x: x.as_strided((2, 2), (5, 1), 3)),
    ("chain", lambda x: x.transpose(0, 1).narrow(2, 1, 3).diagonal(0, 0, 2)),
    ("chain2", lambda x: x.permute(2, 1, 0).select(0, 3).unfold(0, 2, 1)),
    ("iter", lambda x: list(x)[1]),
]

# views that can be written through (expanded views alias one element many times)
WRITABLE = [v for v in VIEWS if v[0] not in ("expand", "broadcast_to", "unfold", "chain2")]


@pytest.mark.parametrize("name,fn", VIEWS, ids=[v[0] for v in VIEWS])
def test_geometry_matches_torch(name, fn):
    e, t = pair()
    ev, tv = fn(e), fn(t)
    assert tuple(ev.shape) == tuple(tv.shape)
    assert ev.stride() == tv.stride()
    assert ev.storage_offset() == tv.storage_offset()
    assert ev.is_contiguous() == tv.is_contiguous()
    np.testing.assert_array_equal(ev.numpy(), tv.numpy())
    assert ev._base is e
    assert ev.data_ptr() - e.data_ptr() == (tv.data_ptr() - t.data_ptr())


@pytest.mark.parametrize("name,fn", VIEWS, ids=[v[0] for v in VIEWS])
def test_contiguous_of_view(name, fn):
    e, t = pair()
    ec, tc = fn(e).contiguous(), fn(t).contiguous()
    assert ec.is_contiguous() and ec.stride() == tc.stride()
    np.testing.assert_array_equal(ec.numpy(), tc.numpy())


@pytest.mark.parametrize("name,fn", WRITABLE, ids=[v[0] for v in WRITABLE])
def test_write_through(name, fn):
    e, t = pair()
    ev, tv = fn(e), fn(t)
    ev.mul_(-1)  # view -> base
    tv.mul_(-1)
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    e.add_(100)  # base -> view
    t.add_(100)
    np.testing.assert_array_equal(ev.numpy(), tv.numpy())
    assert ev._version == e._version


def test_copies_do_not_share():
    e, _ = pair((3, 4))
    for out in (e.flip(0), e.fliplr(), e.flipud(), e.rot90(), e.roll(1), e.repeat(1, 1), e.tile((1,)),
                e.tril(), ember.cat([e]), ember.stack([e]), e.diag(), e.repeat_interleave(1, 0)):
        assert out._base is not e
        assert all(s >= 0 for s in out.stride())
        out.zero_()
    assert e.numpy()[2, 3] == 11


def test_flip_keeps_layout():
    e, t = pair((3, 4))
    assert e.t().flip(0).stride() == t.t().flip(0).stride()
    assert e.rot90().stride() == t.rot90().stride()


def test_view_incompatible_raises():
    e, t = pair((3, 4))
    with pytest.raises(RuntimeError):
        t.t().view(12)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        e.t().view(12)
    with pytest.raises(RuntimeError):
        e.t().view(-1)
    assert e.unsqueeze(1).expand(3, 2, 4).flatten().shape == (24,)
    np.testing.assert_array_equal(e.t().flatten().numpy(), t.t().flatten().numpy())
    np.testing.assert_array_equal(e.t().reshape(12).numpy(), t.t().reshape(12).numpy())  # reshape copies instead
    x = ember.from_numpy(np.arange(24.0).reshape(2, 3, 4)).requires_grad_(True)
    (x.transpose(1, 2).reshape(2, 12) * ember.arange(12.0)).sum().backward()  # view's VJP reshapes a strided grad
    tx = torch.arange(24.0, dtype=torch.float64).reshape(2, 3, 4).requires_grad_(True)
    (tx.transpose(1, 2).reshape(2, 12) * torch.arange(12.0)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_reshape_function_copies_when_not_viewable():
    e, t = pair((3, 4))
    np.testing.assert_array_equal(ember.reshape(e.t(), (12,)).numpy(), torch.reshape(t.t(), (12,)).numpy())


def test_view_dtype():
    e, t = pair((4, 4), "float32")
    for d in ("int32", "int16", "uint8", "bool", "float64", "complex64", "bfloat16"):
        ev, tv = e.view(getattr(ember, d)), t.view(getattr(torch, d))
        assert tuple(ev.shape) == tuple(tv.shape) and ev.stride() == tv.stride(), d
        assert str(ev.dtype) == str(tv.dtype), d
        assert ev._base is e
    ev = e.view(ember.int32)
    ev.select(0, 0).zero_()
    assert (e.numpy()[0] == 0).all()
    for bad in (lambda x, m: x[:, :3].view(m.float64), lambda x, m: x.t().view(m.int16),
                lambda x, m: x[:, 1:3].view(m.float64), lambda x, m: x.sum().view(m.int16),
                lambda x, m: x.reshape(2, 8)[:, 1:].view(m.float64)):
        with pytest.raises(RuntimeError) as te:
            bad(t, torch)
        with pytest.raises(RuntimeError) as ee:
            bad(e, ember)
        assert str(ee.value).split(",")[0] == str(te.value).split(",")[0]
    x = ember.ones(4, requires_grad=True)
    assert not x.view(ember.int32).requires_grad


def test_view_as_real_complex_grads():
    data = np.random.default_rng(0).standard_normal((3, 2))
    for fw, x in (("ember", ember.from_numpy(data.copy())), ("torch", torch.from_numpy(data.copy()))):
        x.requires_grad_(True)
        m = ember if fw == "ember" else torch
        c = m.view_as_complex(x * 1)
        r = m.view_as_real(c * m.tensor([1 + 2j, 3 - 1j, 0.5j], dtype=m.complex128))
        (r * m.from_numpy(np.arange(6.0).reshape(3, 2))).sum().backward()
        if fw == "ember":
            eg = x.grad.numpy().copy()
        else:
            tg = x.grad.numpy()
    np.testing.assert_allclose(eg, tg)
    e = ember.from_numpy(data.copy())
    c = ember.view_as_complex(e)
    assert c._base is e and c.stride() == (1,)
    r = ember.view_as_real(c)
    r.select(1, 0).zero_()
    assert (e.numpy()[:, 0] == 0).all()


def test_channels_last():
    for shape in ((2, 3, 4, 5), (1, 3, 1, 4), (0, 3, 0, 4), (2, 1, 5, 4), (2, 3, 1, 1)):
        data = np.random.default_rng(0).standard_normal(shape)
        e, t = ember.from_numpy(data.copy()), torch.from_numpy(data.copy())
        ec = e.contiguous(memory_format=ember.channels_last)
        tc = t.contiguous(memory_format=torch.channels_last)
        assert ec.stride() == tc.stride(), shape
        np.testing.assert_array_equal(ec.numpy(), tc.numpy())
    with pytest.raises(RuntimeError, match="rank 4"):
        ember.ones(2, 3, 4).contiguous(memory_format=ember.channels_last)
    for shape in ((2, 3, 4, 5, 6), (2, 1, 4, 5, 6), (1, 3, 1, 1, 2)):
        data = np.random.default_rng(0).standard_normal(shape)
        ec = ember.from_numpy(data.copy()).contiguous(memory_format=ember.channels_last_3d)
        tc = torch.from_numpy(data.copy()).contiguous(memory_format=torch.channels_last_3d)
        assert ec.stride() == tc.stride(), shape
        np.testing.assert_array_equal(ec.numpy(), tc.numpy())
    with pytest.raises(RuntimeError, match="rank 5"):
        ember.ones(2, 3, 4, 5).contiguous(memory_format=ember.channels_last_3d)
    x = ember.ones(2, 3, 4, 5, requires_grad=True)
    (x.contiguous(memory_format=ember.channels_last) * 2).sum().backward()
    assert (x.grad.numpy() == 2).all()


def _both(fn):
    data = np.random.default_rng(0).standard_normal((4, 4))
    out = []
    for m in (ember, torch):
        x = m.from_numpy(data.copy()).requires_grad_(True)
        y = fn(m, x)
        w = m.from_numpy(np.arange(16.0).reshape(4, 4))
        (y * w).sum().backward()
        out.append((y.detach().numpy().copy(), x.grad.numpy().copy()))
    np.testing.assert_allclose(out[0][0], out[1][0])
    np.testing.assert_allclose(out[0][1], out[1][1])


def test_inplace_on_view_autograd():
    def f(m, x):
        y = x * 1
        y.t().mul_(2)
        y.diagonal().add_(1)
        y.narrow(0, 1, 2).mul_(y.select(1, 0).narrow(0, 0, 2).detach().clone().unsqueeze(1))
        return y
    _both(f)


def test_inplace_on_view_uses_values():
    def f(m, x):
        y = x * 1
        v = y.unfold(1, 2, 2).select(2, 1)  # columns 1 and 3
        v.mul_(x.narrow(1, 0, 2))
        y.diagonal(1).mul_(y.diagonal(1).detach() + 3)
        return y * y
    _both(f)


def test_inplace_view_ops():
    def f(m, x):
        y = x * 1
        y.t_()
        y.unsqueeze_(0)
        y.transpose_(0, 2)
        y.squeeze_(1)
        y.swapdims_(0, 1)
        return y * y
    _both(f)
    for m in (ember, torch):
        with pytest.raises(RuntimeError, match="leaf Variable"):
            m.ones(2, 3, requires_grad=True).t_()
    e, t = pair((1, 3, 1))
    for a, b in ((e.squeeze_(), t.squeeze_()), (e.unsqueeze_(0), t.unsqueeze_(0)), (e.t_(), t.t_())):
        assert tuple(a.shape) == tuple(b.shape) and a.stride() == b.stride()
    assert e._version == t._version


def test_double_backward_through_views():
    data = np.random.default_rng(0).standard_normal((3, 5))
    x = ember.from_numpy(data).requires_grad_(True)
    for fn in (lambda x: x.diagonal(1) * x.diagonal(1), lambda x: (x.unfold(1, 3, 1) ** 2).sum(-1),
               lambda x: x.narrow(1, 1, 3) * x.select(0, 2).narrow(0, 0, 3), lambda x: x.tril(1) * x,
               lambda x: ember.cat([x, x * x], 1), lambda x: x.repeat_interleave(ember.tensor([1, 0, 2]), 0) ** 2,
               lambda x: ember.diag_embed(x) ** 2, lambda x: x.flip((0,)).roll(2, 1) * x):
        assert ember.autograd.gradgradcheck(fn, (x,))


def test_T_deprecations():
    e = ember.ones(2, 3, 4)
    with pytest.warns(UserWarning, match="deprecated"):
        assert tuple(e.T.shape) == (4, 3, 2)
    with pytest.warns(UserWarning, match="0-D"):
        _ = e.sum().T
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ember.ones(3).T.shape == (3,)
        assert ember.ones(2, 3).T.shape == (3, 2)


def test_iter_and_unbind():
    e, t = pair((3, 2))
    assert [r.tolist() for r in e] == [r.tolist() for r in t]
    with pytest.raises(TypeError):
        iter(ember.tensor(1.0))
    assert all(r._base is e for r in e.unbind(1))


def test_broadcast_shapes():
    assert ember.broadcast_shapes((2, 1), (3,), 1) == torch.broadcast_shapes((2, 1), (3,), 1)
    assert ember.broadcast_shapes() == torch.broadcast_shapes()
    assert isinstance(ember.broadcast_shapes((2,)), ember.Size)
    with pytest.raises(RuntimeError):
        ember.broadcast_shapes((2, 1), (3, 2))
    with pytest.raises(ValueError):
        ember.broadcast_shapes((-1,))


def test_permute_and_flip_method_forms():
    e, t = pair((2, 3, 4))
    for fn in (lambda x: x.permute(2, 0, 1), lambda x: x.permute([2, 0, 1]), lambda x: x.permute(dims=(2, 0, 1)),
               lambda x: x.flip(0, 2), lambda x: x.flip([1]), lambda x: x.flip(dims=(0,)),
               lambda x: x.squeeze(dim=0), lambda x: x.repeat(2, 1, 1, 1), lambda x: x.repeat([1, 2, 1])):
        a, b = fn(e), fn(t)
        assert tuple(a.shape) == tuple(b.shape) and a.stride() == b.stride()
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def _random_view(rng, x):
    """One random view op (the same one for both frameworks): returns fn(tensor) or None if not applicable."""
    n = x.ndim
    kind = rng.integers(0, 9)
    if kind == 0 and n >= 2:
        perm = tuple(int(i) for i in rng.permutation(n))
        return lambda t: t.permute(*perm)
    if kind == 1 and n >= 1:
        d0, d1 = (int(i) for i in rng.integers(-n, n, size=2))
        return lambda t: t.transpose(d0, d1)
    if kind == 2 and n >= 1:
        d = int(rng.integers(0, n))
        size = x.shape[d]
        start = int(rng.integers(0, size + 1))
        length = int(rng.integers(0, size - start + 1))
        return lambda t: t.narrow(d, start, length)
    if kind == 3 and n >= 2 and x.shape[0] > 0:
        i = int(rng.integers(0, x.shape[0]))
        return lambda t: t.select(0, i)
    if kind == 4 and n < 5:
        d = int(rng.integers(-n - 1, n + 1))
        return lambda t: t.unsqueeze(d)
    if kind == 5:
        return lambda t: t.squeeze()
    if kind == 6 and n >= 2:
        off = int(rng.integers(-2, 3))
        return lambda t: t.diagonal(off, 0, -1)
    if kind == 7 and n >= 1 and n < 5:
        d = int(rng.integers(0, n))
        size = int(rng.integers(0, x.shape[d] + 1))
        step = int(rng.integers(1, 3))
        return lambda t: t.unfold(d, size, step)
    if kind == 8 and n >= 1:
        return lambda t: t.flatten() if t.is_contiguous() else t.movedim(0, -1)
    return None


def test_random_view_chains_match_torch():
    rng = np.random.default_rng(0)
    for _ in range(150):
        e, t = pair(tuple(int(s) for s in rng.integers(1, 5, size=3)))
        for _ in range(4):
            fn = _random_view(rng, t)
            if fn is None:
                continue
            e, t = fn(e), fn(t)
            assert tuple(e.shape) == tuple(t.shape)
            assert e.stride() == t.stride(), (e.shape, e.stride(), t.stride())
            assert e.storage_offset() == t.storage_offset() or t.numel() == 0  # may lie past the storage's end
            assert e.is_contiguous() == t.is_contiguous()
            np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_empty_views_are_contiguous():
    e, t = pair((3, 4, 2))
    assert e.narrow(0, 0, 0).permute(2, 0, 1).is_contiguous() == t.narrow(0, 0, 0).permute(2, 0, 1).is_contiguous()


def test_empty_narrow_offset():
    e, t = pair((3, 4))
    for fn in (lambda x: x.narrow(1, 4, 0), lambda x: x.narrow(0, 2, 0), lambda x: x.t().narrow(0, 3, 0),
               lambda x: x.split(2, 1)[1].narrow(1, 2, 0)):
        assert fn(e).storage_offset() == fn(t).storage_offset()


def test_meta_views():
    m = ember.empty(2, 3, 4, device="meta")
    for fn, shape in ((lambda x: x.unsqueeze(1), (2, 1, 3, 4)), (lambda x: x.diagonal(0, 1, 2), (2, 3)),
                      (lambda x: x.unfold(2, 2, 1), (2, 3, 3, 2)), (lambda x: x.permute(2, 0, 1), (4, 2, 3)),
                      (lambda x: ember.cat([x, x], 1), (2, 6, 4)), (lambda x: x.flip((0,)), (2, 3, 4)),
                      (lambda x: x.narrow(2, 1, 2), (2, 3, 2)), (lambda x: x.tril(), (2, 3, 4)),
                      (lambda x: ember.stack([x, x]), (2, 2, 3, 4))):
        out = fn(m)
        assert out.device.type == "meta" and tuple(out.shape) == shape


def test_narrow_tensor_start_and_fill_diagonal_grad():
    e, t = pair((4, 5))
    np.testing.assert_array_equal(e.narrow(1, ember.tensor(2), 2).numpy(), t.narrow(1, torch.tensor(2), 2).numpy())
    with pytest.raises(RuntimeError):
        e.narrow(1, ember.tensor([1, 2]), 2)

    def f(m, x):
        y = x * 1
        y.fill_diagonal_(3.0)
        return y * y
    _both(f)


def test_as_strided_inplace():
    e, t = pair((3, 4))
    a = e.as_strided_((2, 2), (1, 2), 1)
    t.as_strided_((2, 2), (1, 2), 1)
    assert a is e and tuple(e.shape) == tuple(t.shape) and e.stride() == t.stride()
    assert e.storage_offset() == t.storage_offset()
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_resize():
    for m in (ember, torch):
        with pytest.raises(RuntimeError, match="require grad"):
            m.ones(3, requires_grad=True).resize_(2)
        with pytest.warns(UserWarning, match="deprecated"), pytest.raises(RuntimeError, match="autograd's resize"):
            m.arange(6.0).resize((3, 2))
    results = []
    for m in (ember, torch):
        y = m.arange(6.0)
        v = y.view(2, 3)
        y.resize_(2, 2)
        shrunk = y.clone()
        y.mul_(10)  # still v's storage
        after = v.clone()
        y.resize_(10)
        with pytest.warns(UserWarning):
            r = m.arange(6.0).resize(3, 2)
        results.append((shrunk.tolist(), after.tolist(), tuple(y.shape), y.narrow(0, 0, 4).tolist(), r.tolist(),
                        m.ones(3).resize_as_(m.ones(2, 2)).shape))
    assert results[0] == results[1]
