"""RNNBase, RNN, LSTM, GRU and the single-step cells RNNCell, LSTMCell, GRUCell.

NOTE [ Recurrent layers ]
One layer in one direction is one primitive, `rnn_layer` (`lstm_layer` for
LSTM, which also returns the cell state).  Its input is the input projection
x W_ih^T + b_ih for every time step, computed by one F.linear GEMM up front;
the primitive then runs the time loop in NumPy (one h W_hh^T GEMM plus a few
ufuncs per step) and its VJP runs back-propagation through time in NumPy,
accumulating dW_hh (and dW_hr, the LSTM projection) with one GEMM at the end.
The loop works on the packed layout (time steps stacked, step t holding
batch_sizes[t] rows, longest sequences first), so padded and PackedSequence
inputs take the same path: a padded (T, B, *) input is simply batch_sizes
= (B,) * T.  Forward intermediates (gate activations, previous states) are
kept in a non-differentiable workspace output, like cuDNN's reserve space.
With create_graph=True the VJP instead differentiates the same layer written
in ember ops (`_layer_composite`), so double backward works as in PyTorch.

Gate order and formulas are PyTorch's: LSTM (i, f, g, o); GRU (r, z, n) with
n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h.
"""
import math
import numbers
import warnings
import weakref

import numpy as np

from ... import empty, zeros
from ..._tensor import _wrap
from ...ops.registry import apply, defop
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _offsets(batch_sizes):
    return np.concatenate([[0], np.cumsum(batch_sizes)]).tolist()


def _prev_rows(batch_sizes, reverse):
    """For every packed row, the row of concat(step outputs (N rows), initial state (B rows)) it started from."""
    bs = np.asarray(batch_sizes, np.int64)
    T, N = len(bs), int(bs.sum())
    offs = np.concatenate([[0], np.cumsum(bs)])
    t = np.repeat(np.arange(T), bs)
    j = np.arange(N) - offs[t]
    if reverse:  # step t continues from step t + 1 for the rows that step had, else from h0
        nxt = np.minimum(t + 1, T - 1)
        has = (t < T - 1) & (j < np.append(bs, 0)[t + 1])
        return np.where(has, offs[nxt] + j, N + j)
    return np.where(t > 0, offs[np.maximum(t - 1, 0)] + j, N + j)


def _prev_states(xp, rows, init, batch_sizes, reverse):
    """Per packed row, the state it started from: the previous step's row or the initial state."""
    B = batch_sizes[0] if batch_sizes else 0
    if batch_sizes.count(B) == len(batch_sizes):  # padded input: a shift by one step
        return xp.concatenate([rows[B:], init] if reverse else [init, rows[:rows.shape[0] - B]])
    return xp.concatenate([rows, init])[_prev_rows(batch_sizes, reverse)]


def _ws_width(mode, H, proj):
    return (6 + proj) * H if mode == "LSTM" else (4 * H if mode == "GRU" else 0)


def _ws_parts(ws, mode, N, H, proj):
    """The workspace is one flat buffer of contiguous (N, k) blocks (per-step row slices stay contiguous):
    LSTM [i f g o], [tanh c], [c], [o * tanh c] (proj only); GRU [r z n], [W_hn h + b_hn]; RNN none."""
    widths = ([4 * H, H, H] + [H] * proj) if mode == "LSTM" else ([3 * H, H] if mode == "GRU" else [])
    parts, at = [], 0
    for k in widths:
        parts.append(ws[at:at + N * k].reshape(N, k))
        at += N * k
    return parts


def _layer_forward(xp, xw, h0, c0, w_hh, b_hh, w_hr, mode, batch_sizes, reverse):
    H = w_hh.shape[0] // _GATES[mode]
    P = h0.shape[1]
    N, T, dt = xw.shape[0], len(batch_sizes), xw.dtype
    lstm, gru = mode == "LSTM", mode == "GRU"
    ws = xp.empty(N * _ws_width(mode, H, w_hr is not None), dt)
    parts = _ws_parts(ws, mode, N, H, w_hr is not None)
    out = xp.empty((N, P), dt)
    whT = xp.ascontiguousarray(w_hh.T)  # BLAS is ~3x slower on the transposed view for these small GEMMs
    hN = h0.copy()
    cN = c0.copy() if lstm else None
    if lstm:  # sigmoid(x) = 0.5 tanh(x / 2) + 0.5: one tanh over all four gates, the halving folded in up front
        half = xp.full(4 * H, 0.5, dt)
        half[2 * H:3 * H] = 1
        shift = half.copy()
        shift[2 * H:3 * H] = 0
        whT *= half
        xw = xw * half
        if b_hh is not None:
            xw += b_hh * half
            b_hh = None
        whrT = xp.ascontiguousarray(w_hr.T) if w_hr is not None else None
    offs = _offsets(batch_sizes)
    nb = batch_sizes[T - 1 if reverse else 0] if T else 0
    h, c = h0[:nb], (c0[:nb] if lstm else None)
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        b, s = batch_sizes[t], offs[t]
        if b < nb:  # sequences that ended: their final state is h_n
            hN[b:nb] = h[b:]
            h = h[:b]
            if lstm:
                cN[b:nb] = c[b:]
                c = c[:b]
        elif b > nb:  # reverse direction: sequences that start here begin from h0
            h = xp.concatenate([h, h0[nb:b]])
            if lstm:
                c = xp.concatenate([c, c0[nb:b]])
        nb = b
        gh = h @ whT
        if b_hh is not None:
            gh += b_hh
        if lstm:
            acts = parts[0][s:s + b]
            gh += xw[s:s + b]
            xp.tanh(gh, out=acts)
            acts *= half
            acts += shift
            c_new = parts[2][s:s + b]
            xp.multiply(acts[:, H:2 * H], c, out=c_new)
            c_new += acts[:, :H] * acts[:, 2 * H:3 * H]
            c = c_new
            th = parts[1][s:s + b]
            xp.tanh(c, out=th)
            if whrT is not None:
                hpre = parts[3][s:s + b]
                xp.multiply(acts[:, 3 * H:], th, out=hpre)
                h = xp.matmul(hpre, whrT, out=out[s:s + b])
            else:
                h = xp.multiply(acts[:, 3 * H:], th, out=out[s:s + b])
        elif gru:
            x = xw[s:s + b]
            w = parts[0][s:s + b]
            rz = w[:, :2 * H]
            xp.add(x[:, :2 * H], gh[:, :2 * H], out=rz)
            rz *= 0.5
            xp.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            parts[1][s:s + b] = gh[:, 2 * H:]
            n = w[:, 2 * H:]
            xp.multiply(rz[:, :H], gh[:, 2 * H:], out=n)
            n += x[:, 2 * H:]
            xp.tanh(n, out=n)
            hn = out[s:s + b]
            xp.subtract(h, n, out=hn)
            hn *= rz[:, H:]
            hn += n
            h = hn
        else:
            gh += xw[s:s + b]
            h = xp.tanh(gh, out=out[s:s + b]) if mode == "RNN_TANH" else xp.maximum(gh, 0, out=out[s:s + b])
    hN[:nb] = h
    if lstm:
        cN[:nb] = c
        return out, hN, cN, ws
    return out, hN, ws


def _layer_composite(xw, h0, c0, w_hh, b_hh, w_hr, mode, batch_sizes, reverse):
    """The same layer written in ember ops: what create_graph backward differentiates (slow, but twice differentiable)."""
    from ... import cat, sigmoid, tanh
    H = w_hh.shape[0] // _GATES[mode]
    T, offs = len(batch_sizes), _offsets(batch_sizes)
    nb = batch_sizes[T - 1 if reverse else 0]
    h, c = h0[:nb], (c0[:nb] if c0 is not None else None)
    outs, ended = [None] * T, []
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        b, s = batch_sizes[t], offs[t]
        if b < nb:
            ended.append((h[b:], c[b:] if c is not None else None))
            h, c = h[:b], (c[:b] if c is not None else None)
        elif b > nb:
            h = cat([h, h0[nb:b]])
            c = cat([c, c0[nb:b]]) if c is not None else None
        nb = b
        x = xw[s:s + b]
        gh = h @ w_hh.t() if b_hh is None else h @ w_hh.t() + b_hh
        if mode == "LSTM":
            gates = x + gh
            i, f, o = sigmoid(gates[:, :H]), sigmoid(gates[:, H:2 * H]), sigmoid(gates[:, 3 * H:])
            c = f * c + i * tanh(gates[:, 2 * H:3 * H])
            h = o * tanh(c)
            if w_hr is not None:
                h = h @ w_hr.t()
        elif mode == "GRU":
            r = sigmoid(x[:, :H] + gh[:, :H])
            z = sigmoid(x[:, H:2 * H] + gh[:, H:2 * H])
            n = tanh(x[:, 2 * H:] + r * gh[:, 2 * H:])
            h = (1 - z) * n + z * h
        else:
            h = tanh(x + gh) if mode == "RNN_TANH" else (x + gh).relu()
        outs[t] = h
    hN = cat([h] + [e[0] for e in reversed(ended)])
    cN = cat([c] + [e[1] for e in reversed(ended)]) if c0 is not None else None
    return cat(outs), hN, cN


def _layer_backward(g, out, xw, h0, c0, w_hh, b_hh, w_hr, mode, batch_sizes, reverse):
    """Back-propagation through time in NumPy; per-row activation derivatives are formed for all steps at once."""
    from ...autograd import grad_mode
    if grad_mode._state.enabled:  # create_graph=True: differentiate the composite form so the result is differentiable
        from ...autograd import grad
        args = (xw, h0, c0, w_hh, b_hh, w_hr)
        wanted = [t is not None and t.requires_grad for t in args]
        outs = _layer_composite(*args, mode, batch_sizes, reverse)
        outs = [o for o in outs if o is not None]
        grads = iter(grad(outs, [t for t, w in zip(args, wanted) if w], list(g[:len(outs)]), create_graph=True,
                          allow_unused=True))
        return tuple(next(grads) if w else None for w in wanted)
    xp = xw._device.xp
    lstm, gru = mode == "LSTM", mode == "GRU"
    out_d, ws = out[0]._data, out[-1]._data
    gout, ghN = g[0]._data, g[1]._data
    gcN = g[2]._data if lstm else None
    W = w_hh._data
    Wr = w_hr._data if w_hr is not None else None
    h0d = h0._data
    H = W.shape[0] // _GATES[mode]
    N, T, dt = out_d.shape[0], len(batch_sizes), out_d.dtype
    G = _GATES[mode]
    dxw = xp.empty((N, G * H), dt)
    dxw3 = dxw.reshape(N, G, H)
    dgh_all = xp.empty_like(dxw) if gru else dxw
    dH_all = xp.empty(out_d.shape, dt) if Wr is not None else None
    dh0 = xp.empty(h0d.shape, dt)
    dc0 = xp.empty(h0d.shape[:1] + (H,), dt) if lstm else None
    if lstm:
        acts, th, c_all = _ws_parts(ws, mode, N, H, Wr is not None)[:3]
        i, f, gg, o = (acts[:, k * H:(k + 1) * H] for k in range(4))
        c_prev = _prev_states(xp, c_all, c0._data, batch_sizes, reverse)
        M = xp.empty((N, 4, H), dt)  # d gate pre-activation = [dc, dc, dc, dh] * M
        S = xp.subtract(1, acts, out=dxw).reshape(N, 4, H)  # dxw as scratch (large temporaries cost page faults)
        S *= acts.reshape(N, 4, H)  # sigmoid' for i, f, o (the g block is unused)
        xp.multiply(gg, S[:, 0], out=M[:, 0])
        xp.multiply(c_prev, S[:, 1], out=M[:, 1])
        xp.multiply(gg, gg, out=M[:, 2])
        xp.subtract(1, M[:, 2], out=M[:, 2])
        M[:, 2] *= i
        xp.multiply(th, S[:, 3], out=M[:, 3])
        O1 = xp.multiply(th, th)
        xp.subtract(1, O1, out=O1)
        O1 *= o
    elif gru:
        rzn, ghn = _ws_parts(ws, mode, N, H, False)
        r, z, n = (rzn[:, k * H:(k + 1) * H] for k in range(3))
        h_prev = _prev_states(xp, out_d, h0d, batch_sizes, reverse)
        Z1 = (h_prev - n) * (z * (1 - z))
        N1 = (1 - z) * (1 - n * n)
        R1 = ghn * (r * (1 - r))
        dgh3 = dgh_all.reshape(N, G, H)
    else:
        D = 1 - out_d * out_d if mode == "RNN_TANH" else (out_d > 0).astype(dt)
    offs = _offsets(batch_sizes)
    # steps whose output gradient is all zero (e.g. only the last step is used) skip the add
    live = np.add.reduceat(xp.abs(gout).sum(1), offs[:-1]).tolist() if T else []
    nb = batch_sizes[0 if reverse else T - 1] if T else 0  # the step processed last in forward
    dh, dc = ghN[:nb], (gcN[:nb] if lstm else None)
    for t in (range(T) if reverse else range(T - 1, -1, -1)):
        b, s = batch_sizes[t], offs[t]
        if b > nb:  # forward direction: rows whose last step is here get their h_n gradient
            dh = xp.concatenate([dh, ghN[nb:b]])
            if lstm:
                dc = xp.concatenate([dc, gcN[nb:b]])
        elif b < nb:  # reverse direction: rows that started from h0 here
            dh0[b:nb] = dh[b:]
            dh = dh[:b]
            if lstm:
                dc0[b:nb] = dc[b:]
                dc = dc[:b]
        nb = b
        e = s + b
        if live[t]:
            dh = dh + gout[s:e]
        dg = dxw[s:e]
        if lstm:
            if Wr is not None:
                dH_all[s:e] = dh
                dh = dh @ Wr
            dc = dc + dh * O1[s:e]
            xp.multiply(M[s:e, :3], dc[:, None, :], out=dxw3[s:e, :3])
            xp.multiply(M[s:e, 3], dh, out=dxw3[s:e, 3])
            dc = dc * f[s:e]
            dh = dg @ W
        elif gru:
            d3 = dxw3[s:e]
            xp.multiply(dh, Z1[s:e], out=d3[:, 1])
            xp.multiply(dh, N1[s:e], out=d3[:, 2])
            xp.multiply(d3[:, 2], R1[s:e], out=d3[:, 0])
            dgh3[s:e, :2] = d3[:, :2]
            xp.multiply(d3[:, 2], r[s:e], out=dgh3[s:e, 2])
            dh = dh * z[s:e] + dgh_all[s:e] @ W
        else:
            xp.multiply(dh, D[s:e], out=dg)
            dh = dg @ W
    dh0[:nb] = dh
    if lstm:
        dc0[:nb] = dc
    if not gru:
        h_prev = _prev_states(xp, out_d, h0d, batch_sizes, reverse)
    dev = xw._device
    dW = dgh_all.T @ h_prev
    db = dgh_all.sum(0) if b_hh is not None else None
    dWr = dH_all.T @ _ws_parts(ws, mode, N, H, True)[3] if Wr is not None else None
    wrap = lambda a: None if a is None else _wrap(a, dev)
    return wrap(dxw), wrap(dh0), wrap(dc0), wrap(dW), wrap(db), wrap(dWr)


# fmt: off
_LSTM_LAYER = defop("lstm_layer", _layer_forward, _layer_backward, output=True, outputs=4, nondiff_outputs=(3,),
                    node="MkldnnRnnLayerBackward0")
_RNN_LAYER  = defop("rnn_layer",  _layer_forward, _layer_backward, output=True, outputs=3, nondiff_outputs=(2,),
                    node="MkldnnRnnLayerBackward0")
# fmt: on


def _run_layer(mode, xw, h0, c0, w_hh, b_hh, w_hr, batch_sizes, reverse):
    """One layer, one direction on packed rows: (out, h_n, c_n or None)."""
    if mode == "LSTM":
        out, h, c, _ = apply(_LSTM_LAYER, xw, h0, c0, w_hh, b_hh, w_hr, mode=mode, batch_sizes=batch_sizes,
                             reverse=reverse)
        return out, h, c
    out, h, _ = apply(_RNN_LAYER, xw, h0, None, w_hh, b_hh, None, mode=mode, batch_sizes=batch_sizes,
                      reverse=reverse)
    return out, h, None


def _apply_permutation(tensor, permutation, dim=1):
    return tensor.index_select(dim, permutation)


class RNNBase(Module):
    """Base class of RNN, LSTM and GRU: PyTorch's parameter names, shapes, order and init."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        self._flat_weight_refs = []
        num_directions = 2 if bidirectional else 1
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                             "being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = _GATES[mode] * hidden_size
        factory = {"device": device, "dtype": dtype}
        real_hidden_size = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
                suffix = "_reverse" if direction == 1 else ""
                params = [("weight_ih_l{}{}", (gate_size, layer_input_size)),
                          ("weight_hh_l{}{}", (gate_size, real_hidden_size))]
                if bias:
                    params += [("bias_ih_l{}{}", (gate_size,)), ("bias_hh_l{}{}", (gate_size,))]
                if proj_size > 0:
                    params += [("weight_hr_l{}{}", (proj_size, hidden_size))]
                names = []
                for fmt, shape in params:
                    name = fmt.format(layer, suffix)
                    setattr(self, name, Parameter(empty(shape, **factory)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self._init_flat_weights()
        self.reset_parameters()

    def _init_flat_weights(self):
        self._flat_weights = [getattr(self, wn) if hasattr(self, wn) else None for wn in self._flat_weights_names]
        self._flat_weight_refs = [weakref.ref(w) if w is not None else None for w in self._flat_weights]
        self.flatten_parameters()

    def __setattr__(self, attr, value):
        if hasattr(self, "_flat_weights_names") and attr in self._flat_weights_names:
            self._flat_weights[self._flat_weights_names.index(attr)] = value
        super().__setattr__(attr, value)

    def flatten_parameters(self):
        """A no-op: there is no cuDNN weight buffer to compact."""

    def _apply(self, fn, recurse=True):
        self._flat_weight_refs = []
        ret = super()._apply(fn, recurse)
        self._init_flat_weights()
        return ret

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _update_flat_weights(self):
        for ref, name in zip(self._flat_weight_refs, self._flat_weights_names):
            weight = getattr(self, name) if hasattr(self, name) else None
            if weight is not None and ref is not None and ref() is not weight:
                self._init_flat_weights()
                return

    def __getstate__(self):
        self._update_flat_weights()
        state = super().__getstate__() if hasattr(super(), "__getstate__") else self.__dict__.copy()
        state = dict(state)
        state.pop("_flat_weight_refs", None)
        return state

    def __setstate__(self, d):
        super().__setstate__(d)
        self._flat_weight_refs = [weakref.ref(w) if w is not None else None for w in self._flat_weights]

    @property
    def all_weights(self):
        return [[getattr(self, weight) for weight in weights] for weights in self._all_weights]

    # -- argument checks (PyTorch's messages) --

    def check_input(self, input, batch_sizes):
        w_dtype = self._flat_weights[0].dtype
        if input.dtype != w_dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({w_dtype}). "
                             f"Convert input: input.to({w_dtype}), or convert model: model.to({input.dtype})")
        expected_input_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_input_dim:
            raise RuntimeError(f"input must have {expected_input_dim} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.size(-1)}")

    def get_expected_hidden_size(self, input, batch_sizes):
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        return (self.num_layers * num_directions, mini_batch, self.proj_size if self.proj_size > 0 else self.hidden_size)

    def check_hidden_size(self, hx, expected_hidden_size, msg="Expected hidden size {}, got {}"):
        if tuple(hx.size()) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return _apply_permutation(hx, permutation)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # -- the computation --

    def _prepare(self, input, hx, name):
        """Common front half of forward: (data, batch_sizes, hx, sorted, unsorted, batched)."""
        self._update_flat_weights()
        lstm = self.mode == "LSTM"
        if isinstance(input, PackedSequence):
            input, batch_sizes, sorted_indices, unsorted_indices = input
            batch_sizes = tuple(int(b) for b in batch_sizes._host())
            if hx is None:
                hx = self._zero_state(input, batch_sizes[0])
            else:
                hx = self.permute_hidden(hx, sorted_indices)
            self.check_forward_args(input, hx, batch_sizes)
            return input, batch_sizes, hx, unsorted_indices, True
        if input.dim() not in (2, 3):
            extra = " tensor" if self.mode.startswith("RNN") else ""
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D{extra} instead")
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        if hx is not None:
            hs = hx if lstm else (hx,)
            want = 3 if batched else 2
            if any(h.dim() != want for h in hs):
                kind = "batched 3-D" if batched else "unbatched 2-D"
                if lstm:
                    raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                       f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
                raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {hx.dim()}-D tensor")
            if not batched:
                hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1)) if lstm else hx.unsqueeze(1)
        else:
            hx = self._zero_state(input, input.size(0) if self.batch_first else input.size(1))
        self.check_forward_args(input, hx, None)
        if self.batch_first:
            input = input.transpose(0, 1)
        return input, None, hx, None, batched

    def _zero_state(self, input, batch):
        D = 2 if self.bidirectional else 1
        real = self.proj_size if self.proj_size > 0 else self.hidden_size
        h = zeros(self.num_layers * D, batch, real, dtype=input.dtype, device=input.device)
        if self.mode == "LSTM":
            return h, zeros(self.num_layers * D, batch, self.hidden_size, dtype=input.dtype, device=input.device)
        return h

    def _run(self, input, batch_sizes, hx):
        """All layers and directions over packed rows (N, input_size): (output rows, h_n, c_n)."""
        from ... import cat, stack
        lstm = self.mode == "LSTM"
        h0, c0 = hx if lstm else (hx, None)
        if batch_sizes is None:  # padded (T, B, *): every step holds the whole batch
            T, B = input.shape[0], input.shape[1]
            batch_sizes = (B,) * T
            x = input.reshape(T * B, input.shape[2])
        else:
            x = input
        D = 2 if self.bidirectional else 1
        hs, cs = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                k = layer * D + d
                w = self.all_weights[k]
                w_ih, w_hh = w[0], w[1]
                b_ih, b_hh = (w[2], w[3]) if self.bias else (None, None)
                w_hr = w[-1] if self.proj_size > 0 else None
                xw = F.linear(x, w_ih, b_ih)
                out, h, c = _run_layer(self.mode, xw, h0[k], c0[k] if lstm else None, w_hh, b_hh, w_hr,
                                       batch_sizes, d == 1)
                outs.append(out)
                hs.append(h)
                cs.append(c)
            x = outs[0] if D == 1 else cat(outs, 1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, stack(hs), (stack(cs) if lstm else None)

    def _finish(self, input, out, batch_sizes, h, c, unsorted_indices, batched, packed_in):
        if packed_in:
            out = PackedSequence(out, packed_in.batch_sizes, packed_in.sorted_indices, packed_in.unsorted_indices)
        else:
            T, B = input.shape[0], input.shape[1]
            out = out.reshape(T, B, out.shape[-1])
            if self.batch_first:
                out = out.transpose(0, 1)
            if not batched:
                out = out.squeeze(0 if self.batch_first else 1)
        if unsorted_indices is not None:
            h = _apply_permutation(h, unsorted_indices)
            c = _apply_permutation(c, unsorted_indices) if c is not None else None
        if not batched:
            h = h.squeeze(1)
            c = c.squeeze(1) if c is not None else None
        return out, ((h, c) if self.mode == "LSTM" else h)

    def _forward(self, name, input, hx):
        packed_in = input if isinstance(input, PackedSequence) else None
        data, batch_sizes, hx, unsorted, batched = self._prepare(input, hx, name)
        out, h, c = self._run(data, batch_sizes, hx)
        return self._finish(data, out, batch_sizes, h, c, unsorted, batched, packed_in)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    def forward(self, input, hx=None):
        return self._forward("RNN", input, hx)


class LSTM(RNNBase):
    """Long short-term memory, gates (i, f, g, o), with optional output projection (proj_size)."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input, batch_sizes):
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        return (self.num_layers * (2 if self.bidirectional else 1), mini_batch, self.hidden_size)

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return _apply_permutation(hx[0], permutation), _apply_permutation(hx[1], permutation)

    def forward(self, input, hx=None):
        return self._forward("LSTM", input, hx)


class GRU(RNNBase):
    """Gated recurrent unit, gates (r, z, n)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx=None):
        return self._forward("GRU", input, hx)


# ---------------------------------------------------------------------------
# cells: one time step, the same primitive with batch_sizes = (B,)


class RNNCellBase(Module):
    """Base of the cells: weight_ih (chunks*hidden, input), weight_hh (chunks*hidden, hidden), biases."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), **factory))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), **factory))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, **factory))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def _step(self, name, mode, input, hx):
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        lstm = mode == "LSTM"
        if hx is not None:
            for i, h in enumerate(hx if lstm else (hx,)):
                if h.dim() not in (1, 2):
                    what = f"hx[{i}]" if lstm else "hidden"
                    raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got {h.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            z = zeros(input.size(0), self.hidden_size, dtype=input.dtype, device=input.device)
            hx = (z, z) if lstm else z
        elif not batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0)) if lstm else hx.unsqueeze(0)
        h0, c0 = hx if lstm else (hx, None)
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} expected {self.input_size}")
        for i, h in enumerate((h0, c0) if lstm else (h0,)):
            if h.size(0) != input.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{i} batch size "
                                   f"{h.size(0)}")
            if h.size(1) != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {h.size(1)}, expected "
                                   f"{self.hidden_size}")
        xw = F.linear(input, self.weight_ih, self.bias_ih)
        _, h, c = _run_layer(mode, xw, h0, c0, self.weight_hh, self.bias_hh, None, (input.size(0),), False)
        if not batched:
            h = h.squeeze(0)
            c = c.squeeze(0) if lstm else None
        return (h, c) if lstm else h


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return self._step("RNNCell", "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", input, hx)


class LSTMCell(RNNCellBase):
    """One LSTM step: returns (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        return self._step("LSTMCell", "LSTM", input, hx)


class GRUCell(RNNCellBase):
    """One GRU step."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        return self._step("GRUCell", "GRU", input, hx)
