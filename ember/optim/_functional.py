"""The arithmetic of each optimizer, as pure functions over NumPy/CuPy arrays updated in place.

They follow PyTorch's single-tensor reference implementations operation for
operation, so trajectories agree with PyTorch to rounding.
"""
import math


def sgd(params, grads, momentum_buffers, *, lr, weight_decay, momentum, dampening, nesterov, maximize):
    """momentum_buffers[i] is None before the first step; new buffers are stored back into the list."""
    for i, (p, g) in enumerate(zip(params, grads)):
        g = -g if maximize else g
        if weight_decay != 0:
            g = g + weight_decay * p
        if momentum != 0:
            buf = momentum_buffers[i]
            if buf is None:
                buf = momentum_buffers[i] = g.copy()
            else:
                buf *= momentum
                buf += (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p -= lr * g


def adam(xp, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, *, amsgrad, beta1, beta2, lr,
         weight_decay, eps, maximize, decoupled_weight_decay):
    """Adam and AdamW (decoupled_weight_decay); `steps` are the already-incremented step counts."""
    for i, (p, g) in enumerate(zip(params, grads)):
        g = -g if maximize else g
        step = steps[i]
        if weight_decay != 0:
            if decoupled_weight_decay:
                p *= 1 - lr * weight_decay
            else:
                g = g + weight_decay * p
        exp_avg, exp_avg_sq = exp_avgs[i], exp_avg_sqs[i]
        bias_correction1 = 1 - beta1 ** step
        bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
        step_size = lr / bias_correction1
        if g.dtype.kind == "c":
            exp_avg += (g - exp_avg) * (1 - beta1)
            exp_avg_sq *= beta2
            exp_avg_sq += (1 - beta2) * (g * g.conj())
            v = exp_avg_sq
            if amsgrad:
                v = xp.maximum(max_exp_avg_sqs[i], exp_avg_sq, out=max_exp_avg_sqs[i])
            p -= step_size * (exp_avg / (xp.sqrt(v) / bias_correction2_sqrt + eps))
            continue
        # the same arithmetic, in order, through one scratch buffer instead of ~9 temporaries
        t = xp.subtract(g, exp_avg)
        t *= 1 - beta1
        exp_avg += t                                    # lerp(exp_avg, g, 1 - beta1)
        exp_avg_sq *= beta2
        xp.multiply(g, g, out=t)
        t *= 1 - beta2
        exp_avg_sq += t
        v = exp_avg_sq
        if amsgrad:
            v = xp.maximum(max_exp_avg_sqs[i], exp_avg_sq, out=max_exp_avg_sqs[i])
        xp.sqrt(v, out=t)
        t /= bias_correction2_sqrt
        t += eps                                        # denom
        xp.divide(exp_avg, t, out=t)
        t *= step_size
        p -= t


def _real(a):
    """Complex arrays as interleaved real pairs (PyTorch's view_as_real), so updates act per component."""
    return a.reshape(-1).view(a.real.dtype) if a.dtype.kind == "c" else a


def _lerp_(a, b, w):
    a += (b - a) * w


def adagrad(xp, params, grads, state_sums, steps, *, lr, weight_decay, lr_decay, eps, maximize):
    for p, g, state_sum, step in zip(params, grads, state_sums, steps):
        g = -g if maximize else g
        if weight_decay != 0:
            g = g + weight_decay * p
        clr = lr / (1 + (step - 1) * lr_decay)
        p, g, state_sum = _real(p), _real(g), _real(state_sum)
        state_sum += g * g
        std = xp.sqrt(state_sum) + eps
        p -= clr * (g / std)


def adadelta(xp, params, grads, square_avgs, acc_deltas, *, lr, rho, eps, weight_decay, maximize):
    for p, g, square_avg, acc_delta in zip(params, grads, square_avgs, acc_deltas):
        g = -g if maximize else g
        if weight_decay != 0:
            g = g + weight_decay * p
        p, g, square_avg, acc_delta = _real(p), _real(g), _real(square_avg), _real(acc_delta)
        square_avg *= rho
        square_avg += (1 - rho) * (g * g)
        std = xp.sqrt(square_avg + eps)
        delta = xp.sqrt(acc_delta + eps) / std * g
        acc_delta *= rho
        acc_delta += (1 - rho) * (delta * delta)
        p -= lr * delta


def adamax(xp, params, grads, exp_avgs, exp_infs, steps, *, eps, beta1, beta2, lr, weight_decay, maximize):
    for p, g, exp_avg, exp_inf, step in zip(params, grads, exp_avgs, exp_infs, steps):
        g = -g if maximize else g
        if weight_decay != 0:
            g = g + weight_decay * p
        p, g, exp_avg, exp_inf = _real(p), _real(g), _real(exp_avg), _real(exp_inf)
        _lerp_(exp_avg, g, 1 - beta1)
        exp_inf *= beta2
        xp.maximum(exp_inf, xp.abs(g) + eps, out=exp_inf)
        clr = lr / (1 - beta1 ** step)
        p -= clr * (exp_avg / exp_inf)


def asgd(xp, params, grads, axs, mus, etas, steps, *, lambd, lr, t0, alpha, weight_decay, maximize):
    """mus and etas are float32 0-d arrays (PyTorch keeps them as scalar tensors), updated in place."""
    for p, g, ax, mu, eta, step in zip(params, grads, axs, mus, etas, steps):
        g = -g if maximize else g
        p, g, ax = _real(p), _real(g), _real(ax)
        if weight_decay != 0:
            g = g + weight_decay * p
        eta_value = float(eta)
        p *= 1 - lambd * eta_value
        p -= eta_value * g
        if float(mu) != 1:
            ax += (p - ax) * float(mu)
        else:
            ax[...] = p
        eta[...] = lr / ((1 + lambd * lr * step) ** alpha)
        mu[...] = 1 / max(1, step - t0)


def nadam(xp, params, grads, exp_avgs, exp_avg_sqs, mu_products, steps, *, beta1, beta2, lr, weight_decay,
          momentum_decay, eps, decoupled_weight_decay, maximize):
    """mu_products are float32 0-d arrays updated in place, as PyTorch's scalar tensors."""
    for p, g, exp_avg, exp_avg_sq, mu_product, step in zip(params, grads, exp_avgs, exp_avg_sqs, mu_products,
                                                           steps):
        g = -g if maximize else g
        p, g, exp_avg, exp_avg_sq = _real(p), _real(g), _real(exp_avg), _real(exp_avg_sq)
        bias_correction2 = 1 - beta2 ** step
        if weight_decay != 0:
            if decoupled_weight_decay:
                p *= 1 - lr * weight_decay
            else:
                g = g + weight_decay * p
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product *= mu
        _lerp_(exp_avg, g, 1 - beta1)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * (g * g)
        denom = xp.sqrt(exp_avg_sq / bias_correction2)
        mu_product_next = float(mu_product) * mu_next
        denom += eps
        p += (-lr * (1.0 - mu) / (1.0 - float(mu_product))) * (g / denom)
        p += ((-lr * mu_next) / (1.0 - mu_product_next)) * (exp_avg / denom)


def radam(xp, params, grads, exp_avgs, exp_avg_sqs, steps, *, beta1, beta2, lr, weight_decay, eps,
          decoupled_weight_decay, maximize):
    for p, g, exp_avg, exp_avg_sq, step in zip(params, grads, exp_avgs, exp_avg_sqs, steps):
        g = -g if maximize else g
        p, g, exp_avg, exp_avg_sq = _real(p), _real(g), _real(exp_avg), _real(exp_avg_sq)
        if weight_decay != 0:
            if decoupled_weight_decay:
                p *= 1 - lr * weight_decay
            else:
                g = g + weight_decay * p
        _lerp_(exp_avg, g, 1 - beta1)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * (g * g)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        bias_corrected_exp_avg = exp_avg / bias_correction1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:  # variance is tractable: rectified adaptive step
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive_lr = (bias_correction2 ** 0.5) / (xp.sqrt(exp_avg_sq) + eps)
            p -= bias_corrected_exp_avg * lr * adaptive_lr * rect
        else:
            p -= bias_corrected_exp_avg * lr


def rmsprop(xp, params, grads, square_avgs, grad_avgs, momentum_buffers, *, lr, alpha, eps, weight_decay, momentum,
            centered, maximize):
    for i, (p, g, square_avg) in enumerate(zip(params, grads, square_avgs)):
        g = -g if maximize else g
        if weight_decay != 0:
            g = g + weight_decay * p
        p, g, square_avg = _real(p), _real(g), _real(square_avg)
        square_avg *= alpha
        square_avg += (1 - alpha) * (g * g)
        if centered:
            grad_avg = _real(grad_avgs[i])
            _lerp_(grad_avg, g, 1 - alpha)
            avg = xp.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = xp.sqrt(square_avg)
        avg += eps
        if momentum > 0:
            buf = _real(momentum_buffers[i])
            buf *= momentum
            buf += g / avg
            p -= lr * buf
        else:
            p -= lr * (g / avg)


def rprop(xp, params, grads, prevs, step_sizes, *, step_size_min, step_size_max, etaminus, etaplus, maximize):
    for p, g, prev, step_size in zip(params, grads, prevs, step_sizes):
        g = -g if maximize else g
        p, g, prev, step_size = _real(p), _real(g), _real(prev), _real(step_size)
        sign = xp.sign(g * prev)
        sign[sign > 0] = etaplus
        sign[sign < 0] = etaminus
        sign[sign == 0] = 1
        step_size *= sign
        xp.clip(step_size, step_size_min, step_size_max, out=step_size)
        g = g.copy()
        g[sign == etaminus] = 0  # after a sign change, skip the update and forget the gradient
        p -= xp.sign(g) * step_size
        prev[...] = g


def adafactor(xp, params, grads, row_vars, col_vars, variances, steps, *, d, lr, beta2_decay, weight_decay, eps1,
              eps2, maximize):
    """row_vars/col_vars for parameters with 2+ dims (factored second moment), variances for vectors."""
    for i, (p, g, step) in enumerate(zip(params, grads, steps)):
        g = -g if maximize else g
        eps1_ = xp.finfo(p.dtype).eps if eps1 is None else eps1
        one_minus_beta2_t = step ** beta2_decay
        rho_t = min(lr, 1 / (step ** 0.5))
        alpha = max(eps2, float(xp.linalg.norm(p.reshape(-1))) / (p.size ** 0.5)) * rho_t
        if weight_decay != 0:
            p *= 1 - lr * weight_decay
        if g.ndim > 1:
            row_var, col_var = row_vars[i], col_vars[i]
            row_mean = xp.sum(g * g, axis=-1, keepdims=True) / g.shape[-1]
            _lerp_(row_var, row_mean, one_minus_beta2_t)
            col_mean = xp.sum(g * g, axis=-2, keepdims=True) / g.shape[-2]
            _lerp_(col_var, col_mean, one_minus_beta2_t)
            var_estimate = row_var @ col_var
            var_estimate /= xp.maximum(row_var.mean(axis=-2, keepdims=True), eps1_)
        else:
            _lerp_(variances[i], g * g, one_minus_beta2_t)
            var_estimate = variances[i].copy()
        update = 1 / xp.sqrt(xp.maximum(var_estimate, eps1_ * eps1_))
        update *= g
        denom = max(1.0, float(xp.linalg.norm(update.reshape(-1))) / ((update.size ** 0.5) * d))
        p -= (alpha / denom) * update



def _zeropower_via_newtonschulz(xp, grad, ns_coefficients, ns_steps, eps):
    """Approximate orthogonalization U Vᵀ of a 2-D gradient by a quintic Newton–Schulz iteration in bfloat16,
    as PyTorch does (each bfloat16 matmul accumulates in float32 and rounds once)."""
    from ml_dtypes import bfloat16
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if len(grad.shape) != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = ns_coefficients
    f32 = xp.float32

    def bf(x):
        return x.astype(bfloat16).astype(f32)
    x = bf(grad)
    if grad.shape[0] > grad.shape[1]:
        x = x.T
    norm = bf(xp.sqrt(xp.sum(x * x)))
    x = bf(x / max(norm, bf(xp.asarray(eps, dtype=f32))))
    for _ in range(ns_steps):
        gram = bf(x @ x.T)
        gram_update = bf(b * gram + c * (gram @ gram))
        x = bf(a * x + gram_update @ x)
    if grad.shape[0] > grad.shape[1]:
        x = x.T
    return x


def _adjust_lr(lr, adjust_lr_fn, param_shape):
    A, B = param_shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, A / B))
    if adjust_lr_fn == "match_rms_adamw":
        return lr * 0.2 * math.sqrt(max(A, B))
    return lr


def muon(xp, params, grads, momentum_buffers, *, lr, weight_decay, momentum, nesterov, ns_coefficients, ns_steps,
         eps, adjust_lr_fn):
    for p, g, buf in zip(params, grads, momentum_buffers):
        if g.ndim != 2:
            raise ValueError("Param gradient must be a 2D matrix")
        _lerp_(buf, g, 1 - momentum)
        update = g + (buf - g) * momentum if nesterov else buf  # lerp(g, buf, momentum)
        update = _zeropower_via_newtonschulz(xp, update, ns_coefficients, ns_steps, eps)
        p *= 1 - lr * weight_decay
        p -= _adjust_lr(lr, adjust_lr_fn, p.shape) * update.astype(p.dtype)


# ----------------------------------------------------------------------------
# Bookkeeping shared by the optimizer classes (the only part that touches Tensors).

def _evaluate(closure):
    """Run the optimizer's closure with gradients enabled (step() may be called under no_grad)."""
    if closure is None:
        return None
    from ..autograd.grad_mode import enable_grad
    with enable_grad():
        return closure()


def _collect(optimizer, group, init_state):
    """Parameters of `group` with a gradient, their states (created by init_state(state, p) when empty) and,
    when the state has a float32 `step` tensor, the step counts after this step's increment."""
    from .._tensor import Tensor
    params, states, steps = [], [], []
    for p in group["params"]:
        if p._grad is None:
            continue
        state = optimizer.state[p]
        if not state:
            init_state(state, p)
        if "step" in state:
            if not isinstance(state["step"], Tensor):  # checkpoints from before steps were tensors
                state["step"] = _scalar_state(float(state["step"]))
            state["step"]._data += 1
            steps.append(float(state["step"]._data))
        params.append(p)
        states.append(state)
    return params, states, steps


def _scalar_state(value=0.0):
    """A float32 scalar tensor: PyTorch keeps step counts (and ASGD's eta, mu, NAdam's mu_product) so."""
    from .. import _dtype
    from .._creation import tensor
    return tensor(value, dtype=_dtype.float32)


def _bump(params):
    """Record the in-place update in the parameters' version counters (autograd checks them)."""
    for p in params:
        p._version_counter.value += 1


def _check_differentiable(name, differentiable):
    if differentiable:
        raise NotImplementedError(f"{name}: differentiable=True is not supported in ember (the update runs on raw "
                                  "arrays outside autograd)")


def _check_lr(lr, message="Invalid learning rate: {}"):
    from .._tensor import Tensor
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= float(lr):
        raise ValueError(message.format(lr))
