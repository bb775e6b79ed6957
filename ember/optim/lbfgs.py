"""L-BFGS: limited-memory quasi-Newton steps, optionally with a strong-Wolfe line search."""
import math
from functools import partial

from ..autograd.grad_mode import enable_grad, no_grad
from ..ops.movement import cat, view_as_real
from ._functional import _check_lr
from .optimizer import Optimizer

__all__ = ["LBFGS"]


class LBFGS(Optimizer):
    r"""L-BFGS over all parameters seen as one flat vector x, as torch.optim.LBFGS.

    Each call to ``step(closure)`` runs up to ``max_iter`` iterations:
        g ← ∇f(x)
        remember (s, y) = (x − x_prev, g − g_prev) when yᵀs > 1e-10, keeping the last ``history_size``
        d ← −H g    (two-loop recursion, Nocedal & Wright Alg. 7.4, with H₀ = γI and γ = sᵀy / yᵀy)
        t ← lr      (the very first iteration: lr · min(1, 1/‖g‖₁)), or a strong-Wolfe search from there
        x ← x + t d
    and stops early when ‖g‖∞ ≤ tolerance_grad, when d is no descent direction, when the step or the
    change in loss is below tolerance_change, or after ``max_eval`` evaluations of the closure.

    The state lives on the first parameter under PyTorch's keys, so checkpoints move between the two:
    ``old_dirs`` holds the y history, ``old_stps`` the s history, ``ro`` the 1/yᵀs, ``H_diag`` γ,
    ``al`` the two-loop coefficients, and ``d``, ``t``, ``prev_flat_grad``, ``prev_loss`` the last step.
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        _check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval, "tolerance_grad": tolerance_grad,
                    "tolerance_change": tolerance_change, "history_size": history_size,
                    "line_search_fn": line_search_fn}
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # ------------------------------------------------------------------
    # the parameters as one flat real vector (a complex number counts as two reals)

    def _flat_grad(self):
        parts = []
        for p in self._params:
            g = p.grad if p.grad is not None else p.new_zeros(p.shape)
            parts.append(_real(g).reshape(-1))
        return cat(parts)

    def _move(self, t, d):
        """x ← x + t·d, slicing d back into the parameters."""
        start = 0
        for p in self._params:
            x = _real(p)
            x.add_(d[start:start + x.numel()].view_as(x), alpha=t)
            start += x.numel()

    def _evaluate(self, closure):
        with enable_grad():
            loss = float(closure())
        return loss, self._flat_grad()

    def _evaluate_along(self, closure, x0, d, t):
        """f and ∇f at x0 + t·d, leaving the parameters at x0 (the line search probes)."""
        self._move(t, d)
        loss, grad = self._evaluate(closure)
        for p, saved in zip(self._params, x0):
            p.copy_(saved)
        return loss, grad

    # ------------------------------------------------------------------

    @no_grad()
    def step(self, closure):
        """Runs up to max_iter L-BFGS iterations; the closure must zero the gradients, backprop and return the loss."""
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change, memory = group["tolerance_grad"], group["tolerance_change"], group["history_size"]
        line_search = group["line_search_fn"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            first_loss = closure()
        loss = float(first_loss)
        evals = 1
        state["func_evals"] += 1
        grad = self._flat_grad()
        converged = grad.abs().max() <= tol_grad
        if converged:
            return first_loss

        d, t = state.get("d"), state.get("t")
        ys_hist, ss_hist, rhos = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        gamma, prev_grad, prev_loss = state.get("H_diag"), state.get("prev_flat_grad"), state.get("prev_loss")

        iters = 0
        while iters < max_iter:
            iters += 1
            state["n_iter"] += 1

            if state["n_iter"] == 1:  # no curvature yet: steepest descent
                d = grad.neg()
                ys_hist, ss_hist, rhos = [], [], []
                gamma = 1
            else:
                y = grad.sub(prev_grad)
                s = d.mul(t)
                ys = y.dot(s)
                if ys > 1e-10:  # keep only pairs with positive curvature so H stays positive definite
                    if len(ys_hist) == memory:
                        ys_hist.pop(0), ss_hist.pop(0), rhos.pop(0)
                    ys_hist.append(y)
                    ss_hist.append(s)
                    rhos.append(1.0 / ys)
                    gamma = ys / y.dot(y)
                if "al" not in state:
                    state["al"] = [None] * memory
                d = _two_loop(grad, ss_hist, ys_hist, rhos, gamma, state["al"])

            prev_grad = grad.clone()
            prev_loss = loss

            # the first step is scaled by the gradient's size: there is no curvature to guess it from
            t = min(1.0, 1.0 / grad.abs().sum()) * lr if state["n_iter"] == 1 else lr
            gtd = grad.dot(d)
            if gtd > -tol_change:  # not a descent direction (or a flat one)
                break

            probes = 0
            if line_search is not None:
                if line_search != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x0 = [p.clone() for p in self._params]
                # the search may only spend what is left of max_eval
                loss, grad, t, probes = _strong_wolfe(partial(self._evaluate_along, closure, x0, d), t, d, loss,
                                                      grad, gtd, max_ls=max_eval - evals)
                self._move(t, d)
                converged = grad.abs().max() <= tol_grad
            else:
                self._move(t, d)
                if iters != max_iter:  # the last iteration's loss is not needed: skip the evaluation
                    loss, grad = self._evaluate(closure)
                    converged = grad.abs().max() <= tol_grad
                    probes = 1
            evals += probes
            state["func_evals"] += probes

            if iters == max_iter or evals >= max_eval or converged:
                break
            if d.mul(t).abs().max() <= tol_change or abs(loss - prev_loss) < tol_change:
                break  # no progress

        state.update(d=d, t=t, old_dirs=ys_hist, old_stps=ss_hist, ro=rhos, H_diag=gamma, prev_flat_grad=prev_grad,
                     prev_loss=prev_loss)
        return first_loss


def _real(x):
    return view_as_real(x) if x.is_complex() else x


def _two_loop(grad, ss, ys, rhos, gamma, alphas):
    """d = −H·grad for the L-BFGS inverse Hessian H built from the (s, y) pairs, oldest first."""
    q = grad.neg()
    for i in reversed(range(len(ss))):
        alphas[i] = ss[i].dot(q) * rhos[i]
        q.add_(ys[i], alpha=-alphas[i])
    r = q.mul(gamma)
    for i in range(len(ss)):
        beta = ys[i].dot(r) * rhos[i]
        r.add_(ss[i], alpha=alphas[i] - beta)
    return r


# ----------------------------------------------------------------------
# strong Wolfe line search (Nocedal & Wright Alg. 3.5 and 3.6; the safeguards follow minFunc)


def _cubic_min(a, fa, ga, b, fb, gb, lo=None, hi=None):
    """Minimiser of the cubic through (a, fa) and (b, fb) with slopes ga, gb, clamped to [lo, hi].

    N&W eq. 3.59; when the cubic has no minimiser the midpoint of [lo, hi] is returned.
    """
    if lo is None:
        lo, hi = (a, b) if a <= b else (b, a)
    d1 = ga + gb - 3 * (fa - fb) / (a - b)
    disc = d1 * d1 - ga * gb
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = math.sqrt(disc)
    if a <= b:
        x = b - (b - a) * ((gb + d2 - d1) / (gb - ga + 2 * d2))
    else:
        x = a - (a - b) * ((ga + d2 - d1) / (ga - gb + 2 * d2))
    return min(max(x, lo), hi)


class _Probe:
    """One point of the line search: step t, loss f, gradient g and slope gtd = gᵀd."""

    __slots__ = ("f", "g", "gtd", "t")

    def __init__(self, t, f, g, gtd):
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def _strong_wolfe(evaluate, t, d, f0, g0, gtd0, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Finds t with f(t) ≤ f0 + c1·t·gtd0 and |f'(t)| ≤ c2·|gtd0|; returns (f, g, t, evaluations)."""
    t, gtd0 = float(t), float(gtd0)
    d_size = float(d.abs().max())

    def probe(step):
        f, g = evaluate(step)
        return _Probe(step, f, g, float(g.dot(d)))

    def sufficient_decrease(p):
        return p.f <= f0 + c1 * p.t * gtd0

    def curvature_ok(p):
        return abs(p.gtd) <= -c2 * gtd0

    # phase 1 (Alg. 3.5): grow the step until an interval brackets an acceptable point
    prev, cur = _Probe(0, f0, g0.clone(), gtd0), probe(t)
    evals, tries = 1, 0
    bracket = None
    while tries < max_ls:
        if not sufficient_decrease(cur) or (tries > 1 and cur.f >= prev.f):
            bracket = [prev, cur]
            break
        if curvature_ok(cur):
            return cur.f, cur.g, cur.t, evals
        if cur.gtd >= 0:  # the slope turned: a minimiser lies behind
            bracket = [prev, cur]
            break
        # extrapolate, at least 1% further and at most 10x the current step
        nxt = _cubic_min(prev.t, prev.f, prev.gtd, cur.t, cur.f, cur.gtd,
                         lo=cur.t + 0.01 * (cur.t - prev.t), hi=cur.t * 10)
        prev, cur = cur, probe(nxt)
        evals += 1
        tries += 1
    if bracket is None:  # out of evaluations: the better of the start and the last probe
        bracket = [_Probe(0, f0, g0, gtd0), cur]

    # phase 2 (Alg. 3.6): shrink the bracket; `low` is the end with the lower loss
    low = 0 if bracket[0].f <= bracket[1].f else 1
    stalled = False
    while tries < max_ls:
        a, b = bracket
        if abs(b.t - a.t) * d_size < tolerance_change:
            break
        step = _cubic_min(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        # keep the trial away from the ends; if it sat near one twice, or outside, force it 10% in
        left, right = min(a.t, b.t), max(a.t, b.t)
        margin = 0.1 * (right - left)
        if min(right - step, step - left) < margin:
            if stalled or step >= right or step <= left:
                step = right - margin if abs(step - right) < abs(step - left) else left + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        new = probe(step)
        evals += 1
        tries += 1
        high = 1 - low
        if not sufficient_decrease(new) or new.f >= bracket[low].f:
            bracket[high] = new
            low = 0 if bracket[0].f <= bracket[1].f else 1
            continue
        if curvature_ok(new):
            bracket[low] = new
            break
        if new.gtd * (bracket[high].t - bracket[low].t) >= 0:
            bracket[high] = bracket[low]
        bracket[low] = new
    best = bracket[low]
    return best.f, best.g, best.t, evals
