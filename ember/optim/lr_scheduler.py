"""Learning-rate schedulers (torch.optim.lr_scheduler).

A scheduler rewrites ``group["lr"]`` of its optimizer once per ``step()``. Most schedules are
written twice, as the documentation states them:

* a *chainable* rule, the next lr from the current one (``lr ← lr·γ``), so that several schedulers
  (``ChainedScheduler``, or a user changing the lr by hand) compose on one optimizer;
* a *closed form* from the base lr (``lr = base·γ^epoch``), used by the deprecated ``step(epoch)``
  and when ``SequentialLR`` starts a scheduler at a milestone.

The attributes are PyTorch's, because ``state_dict()`` is the instance ``__dict__``: a scheduler
checkpoint moves between PyTorch and ember.
"""
import math
import types
import warnings
import weakref
from bisect import bisect_right
from collections import Counter
from contextlib import contextmanager
from functools import wraps

from .._tensor import Tensor
from .optimizer import Optimizer

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]

_LR_DOCS = "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate"
_EPOCH_DEPRECATED = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. Please use "
    "`scheduler.step()` to step the scheduler. During the deprecation, if epoch is different from None, the closed "
    "form is used instead of the new chainable form, where available. Please open an issue if you are unable to "
    "replicate your use case: https://github.com/pytorch/pytorch/issues/new/choose.")


# ----------------------------------------------------------------------
# helpers


def _check_optimizer(optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


def _format_param(name, optimizer, param):
    """One value per param group: a list is checked against the group count, a scalar repeated."""
    if isinstance(param, (list, tuple)):
        if len(param) != len(optimizer.param_groups):
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. {name} has {len(param)} "
                             f"values, param_groups has {len(optimizer.param_groups)}.")
    else:
        param = [param] * len(optimizer.param_groups)
    return [p.clone() if isinstance(p, Tensor) else p for p in param]


def _set_group_value(group, key, value):
    """group[key] = value, in place when the option is a Tensor (a tensor lr stays the same object)."""
    if isinstance(group[key], Tensor):
        group[key].fill_(value.item() if isinstance(value, Tensor) else value)
    else:
        group[key] = value


def _current_lrs(optimizer):
    """The group lrs as get_last_lr() reports them: a snapshot (tensor lrs are copied)."""
    lrs = [group["lr"] for group in optimizer.param_groups]
    return [lr.clone() if isinstance(lr, Tensor) else lr for lr in lrs]


@contextmanager
def _raised(obj, flag):
    """Sets the boolean attribute `flag` for the duration (it is part of the state_dict, as in PyTorch)."""
    setattr(obj, flag, True)
    try:
        yield
    finally:
        setattr(obj, flag, False)


def _warn_unless_in_step(scheduler):
    if not scheduler._get_lr_called_within_step:
        warnings.warn("To get the last learning rate computed by the scheduler, please use `get_last_lr()`.",
                      UserWarning, stacklevel=3)


def _track_optimizer_steps(optimizer):
    """Wraps optimizer.step once so that a scheduler can tell whether it has been called yet."""
    if getattr(optimizer.step, "_wrapped_by_lr_sched", False):
        return
    original = optimizer.step
    func = getattr(original, "__func__", None)  # a bound method is re-bound per call: no reference cycle
    owner = weakref.ref(optimizer)

    @wraps(original)
    def step(*args, **kwargs):
        opt = owner()
        opt._opt_called = True
        return original(*args, **kwargs) if func is None else func(opt, *args, **kwargs)
    step._wrapped_by_lr_sched = True
    optimizer.step = step


def _callables_state(fns):
    """Callable objects save their __dict__; plain functions and lambdas cannot be saved (None)."""
    return [None if isinstance(fn, types.FunctionType) else fn.__dict__.copy() for fn in fns]


def _restore_callables(fns, saved):
    for fn, state in zip(fns, saved):
        if state is not None:
            fn.__dict__.update(state)


# ----------------------------------------------------------------------
# base classes


class LRScheduler:
    """Base class: subclasses define ``get_lr()``, the lrs for ``self.last_epoch``."""

    _get_lr_called_within_step = False
    _is_initial = False  # True during the step taken by __init__

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                lr = group["lr"]
                group.setdefault("initial_lr", lr.clone() if isinstance(lr, Tensor) else lr)
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming an "
                                   f"optimizer")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        _track_optimizer_steps(optimizer)
        self._initial_step()

    def _initial_step(self):
        """Sets the lrs for epoch last_epoch + 1 (epoch 0 for a new schedule)."""
        self._step_count = 0
        with _raised(self, "_is_initial"):
            self.step()

    def state_dict(self):
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)

    def get_last_lr(self):
        return self._last_lr

    def get_lr(self):
        raise NotImplementedError

    def step(self, epoch=None):
        if self._step_count == 1:  # the first step after __init__: was the optimizer stepped first?
            if not hasattr(self.optimizer.step, "_wrapped_by_lr_sched"):
                warnings.warn("Seems like `optimizer.step()` has been overridden after learning rate scheduler "
                              "initialization. Please, make sure to call `optimizer.step()` before "
                              f"`lr_scheduler.step()`. See more details at {_LR_DOCS}", UserWarning, stacklevel=2)
            elif not getattr(self.optimizer, "_opt_called", False):
                warnings.warn("Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 "
                              "and later, you should call them in the opposite order: `optimizer.step()` before "
                              "`lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the first "
                              f"value of the learning rate schedule. See more details at {_LR_DOCS}", UserWarning,
                              stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(_EPOCH_DEPRECATED, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        """Moves to the next epoch (or jumps to `epoch`, by the closed form if there is one) and sets the lrs."""
        with _raised(self, "_get_lr_called_within_step"):
            if epoch is None:
                self.last_epoch += 1
                lrs = self.get_lr()
            else:
                self.last_epoch = epoch
                closed_form = getattr(self, "_get_closed_form_lr", None)
                lrs = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            _set_group_value(group, "lr", lr)
        self._last_lr = _current_lrs(self.optimizer)


class _LRScheduler(LRScheduler):
    """The old name of LRScheduler."""


class _FormulaLR(LRScheduler):
    """A schedule stated per group by two formulas of ``self.last_epoch``.

    Subclasses define ``_next(lr, base_lr)`` (chainable: the new lr from the current one) and
    ``_at(base_lr)`` (closed form).
    """

    def get_lr(self):
        _warn_unless_in_step(self)
        return [self._next(group["lr"], base) for group, base in zip(self.optimizer.param_groups, self.base_lrs)]

    def _get_closed_form_lr(self):
        return [self._at(base) for base in self.base_lrs]


# ----------------------------------------------------------------------
# schedules given by a formula


class StepLR(_FormulaLR):
    """lr = base · γ^⌊epoch / step_size⌋."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _next(self, lr, base):
        e = self.last_epoch
        return lr * self.gamma if e != 0 and e % self.step_size == 0 else lr

    def _at(self, base):
        return base * self.gamma ** (self.last_epoch // self.step_size)


class MultiStepLR(_FormulaLR):
    """lr = base · γ^(number of milestones ≤ epoch); a repeated milestone counts twice."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _next(self, lr, base):
        hits = self.milestones.get(self.last_epoch, 0)
        return lr * self.gamma ** hits if hits else lr

    def _at(self, base):
        return base * self.gamma ** bisect_right(sorted(self.milestones.elements()), self.last_epoch)


class ConstantLR(_FormulaLR):
    """lr = base · factor for epoch < total_iters, then base."""

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        if factor > 1.0 or factor < 0:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def _next(self, lr, base):
        if self.last_epoch == 0:
            return lr * self.factor
        return lr * (1.0 / self.factor) if self.last_epoch == self.total_iters else lr

    def _at(self, base):
        return base * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))


class LinearLR(_FormulaLR):
    """lr = base · (start + (end − start) · min(epoch, total_iters) / total_iters)."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def _next(self, lr, base):
        e, span = self.last_epoch, self.end_factor - self.start_factor
        if e == 0:
            return lr * self.start_factor
        if self._is_initial or e > self.total_iters:
            return lr
        # ratio of consecutive closed-form values
        return lr * (1.0 + span / (self.total_iters * self.start_factor + (e - 1) * span))

    def _at(self, base):
        span = self.end_factor - self.start_factor
        return base * (self.start_factor + span * min(self.total_iters, self.last_epoch) / self.total_iters)


class ExponentialLR(_FormulaLR):
    """lr = base · γ^epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _next(self, lr, base):
        return lr if self._is_initial else lr * self.gamma

    def _at(self, base):
        return base * self.gamma ** self.last_epoch


class PolynomialLR(_FormulaLR):
    """lr = base · (1 − min(epoch, total_iters) / total_iters)^power."""

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def _next(self, lr, base):
        e, n = self.last_epoch, self.total_iters
        if self._is_initial or e > n:
            return lr
        return lr * ((1.0 - e / n) / (1.0 - (e - 1) / n)) ** self.power

    def _at(self, base):
        return base * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power


class CosineAnnealingLR(_FormulaLR):
    """lr = η_min + (base − η_min) · (1 + cos(π · epoch / T_max)) / 2 (SGDR without restarts).

    Past T_max the cosine keeps going, so the lr climbs back up over the next T_max epochs.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def _next(self, lr, base):
        e, T, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return lr
        if (e - 1 - T) % (2 * T) == 0:
            # leaving the trough: the ratio form below would divide by 1 + cos(π) = 0
            return lr + (base - low) * (1 - math.cos(math.pi / T)) / 2
        return (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T)) * (lr - low) + low

    def _at(self, base):
        return self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2


# ----------------------------------------------------------------------
# schedules given by user functions


def _lambdas(optimizer, lr_lambda):
    if not isinstance(lr_lambda, (list, tuple)):
        return [lr_lambda] * len(optimizer.param_groups)
    if len(lr_lambda) != len(optimizer.param_groups):
        raise ValueError(f"Expected {len(optimizer.param_groups)} lr_lambdas, but got {len(lr_lambda)}")
    return list(lr_lambda)


class _LambdaState:
    """state_dict support for schedulers holding one callable per group in ``lr_lambdas``."""

    def state_dict(self):
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = _callables_state(self.lr_lambdas)
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop("lr_lambdas")
        self.__dict__.update(state)
        _restore_callables(self.lr_lambdas, saved)


class LambdaLR(_LambdaState, LRScheduler):
    """lr = base · lr_lambda(epoch)."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_unless_in_step(self)
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(_LambdaState, LRScheduler):
    """lr ← lr · lr_lambda(epoch) at every step."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_unless_in_step(self)
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        if self._is_initial:
            return lrs
        return [lr * fn(self.last_epoch) for fn, lr in zip(self.lr_lambdas, lrs)]


# ----------------------------------------------------------------------
# combinations of schedulers


def _check_members(owner, optimizer, schedulers):
    for i, sched in enumerate(schedulers):
        if not hasattr(sched, "optimizer"):
            raise TypeError(f"{owner} at index {i} should have `optimizer` as its attribute.")
        if isinstance(sched, ReduceLROnPlateau):
            raise ValueError(f"{owner} does not support `ReduceLROnPlateau` scheduler as it requires "  # noqa: TRY004
                             f"additional kwargs to be specified when calling `step`, but got one at index {i} in the "
                             "given schedulers sequence.")
        if optimizer != sched.optimizer:
            raise ValueError(f"{owner} expects all schedulers to belong to the same optimizer, but got scheduler "
                             f"{sched.__class__.__name__} at index {i} has {sched.optimizer}, which is different "
                             f"from {optimizer.__class__.__name__}.")


class _NestedState:
    """state_dict support for schedulers made of ``_schedulers``: theirs are nested in ours."""

    def state_dict(self):
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [sched.state_dict() for sched in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        nested = state.pop("_schedulers")
        self.__dict__.update(state)
        for sched, sub in zip(self._schedulers, nested):
            sched.load_state_dict(sub)


class SequentialLR(_NestedState, LRScheduler):
    """Runs ``schedulers[i]`` from ``milestones[i-1]`` on, each restarted at its own epoch 0."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        if len(schedulers) < 1:
            raise ValueError(f"{self.__class__.__name__} expects at least one scheduler, but got no scheduler.")
        _check_members(self.__class__.__name__, optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError("Sequential Schedulers expects number of schedulers provided to be one more than the "
                             f"number of milestone points, but got number of schedulers {len(schedulers)} and the "
                             f"number of milestones to be equal to {len(milestones)}")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # each scheduler took its initial step when built: take those back and start the first one afresh
        for group in optimizer.param_groups:
            _set_group_value(group, "lr", group["initial_lr"])
        self.recursive_undo()
        self._schedulers[0]._initial_step()
        self._last_lr = schedulers[0].get_last_lr()

    def recursive_undo(self, sched=None):
        """Steps every (nested) scheduler back by one epoch."""
        sched = self if sched is None else sched
        if hasattr(sched, "_schedulers"):
            for inner in sched._schedulers:
                self.recursive_undo(inner)
        elif hasattr(sched, "last_epoch"):
            sched.last_epoch -= 1

    def step(self):
        self.last_epoch += 1
        i = bisect_right(self._milestones, self.last_epoch)
        sched = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            sched._update_lr(0)  # a new phase starts at the scheduler's epoch 0
        else:
            sched.step()
        self._last_lr = sched.get_last_lr()


class ChainedScheduler(_NestedState, LRScheduler):
    """Steps all ``schedulers`` in turn at every step: their (chainable) changes compose."""

    def __init__(self, schedulers, optimizer=None):
        if len(schedulers) < 1:
            raise ValueError(f"{self.__class__.__name__} expects at least one scheduler to be chained, but got no "
                             "scheduler.")
        optimizer = optimizer or schedulers[0].optimizer
        _check_members(self.__class__.__name__, optimizer, schedulers)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = _current_lrs(self._schedulers[-1].optimizer)

    def step(self):
        for sched in self._schedulers:
            sched.step()
        self._last_lr = _current_lrs(self._schedulers[-1].optimizer)


# ----------------------------------------------------------------------
# ReduceLROnPlateau


class ReduceLROnPlateau(LRScheduler):
    """Multiplies the lrs by ``factor`` once the metric has not improved for ``patience`` epochs.

    "Improved" means better than the best value so far by ``threshold`` (relative: best·(1 ∓ threshold),
    or absolute: best ∓ threshold). After a reduction, ``cooldown`` epochs are not counted as bad.
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        self.factor = factor
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(f"expected {len(optimizer.param_groups)} min_lrs, got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = _current_lrs(optimizer)
        self._init_is_better(mode=mode, threshold=threshold, threshold_mode=threshold_mode)
        self._reset()

    def _reset(self):
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics, epoch=None):
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(_EPOCH_DEPRECATED, UserWarning, stacklevel=2)
        self.last_epoch = epoch

        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr(epoch)
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = _current_lrs(self.optimizer)

    def _reduce_lr(self, epoch):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"The number of param groups in the `optimizer` ({len(groups)}) differs from when "
                    f"`ReduceLROnPlateau` was initialized ({len(self.min_lrs)}), usually due to a new param group "
                    "being added to the optimizer. Please modify the `min_lrs` field to match the length of the "
                    "`optimizer` param groups.")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:  # ignore changes too small to matter
                _set_group_value(group, "lr", new)

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _is_better(self, a, best):
        if self.threshold_mode == "rel":
            scale = 1.0 - self.threshold if self.mode == "min" else self.threshold + 1.0
            return a < best * scale if self.mode == "min" else a > best * scale
        return a < best - self.threshold if self.mode == "min" else a > best + self.threshold

    def _init_is_better(self, mode, threshold, threshold_mode):
        if mode not in {"min", "max"}:
            raise ValueError("mode " + mode + " is unknown!")
        if threshold_mode not in {"rel", "abs"}:
            raise ValueError("threshold mode " + threshold_mode + " is unknown!")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._init_is_better(mode=self.mode, threshold=self.threshold, threshold_mode=self.threshold_mode)


# ----------------------------------------------------------------------
# cyclical schedules (they also cycle the momentum, or Adam's β₁, the other way)


def _set_momentum(group, value, use_beta1):
    if use_beta1:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


def _prepare_momentum_cycle(scheduler, optimizer, base_momentum, max_momentum, last_epoch, keep_lists):
    """Checks the optimizer has a momentum, records the bounds in the groups, starts at the maximum."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
    scheduler.use_beta1 = "betas" in optimizer.defaults
    bases = _format_param("base_momentum", optimizer, base_momentum)
    maxes = _format_param("max_momentum", optimizer, max_momentum)
    if keep_lists:
        scheduler.base_momentums, scheduler.max_momentums = bases, maxes
    if last_epoch == -1:
        for group, low, high in zip(optimizer.param_groups, bases, maxes):
            _set_momentum(group, high, scheduler.use_beta1)
            group["max_momentum"] = high
            group["base_momentum"] = low


# mode -> (scale function of (x, gamma), what x counts)
_CYCLIC_MODES = {
    "triangular": (lambda x, gamma: 1.0, "cycle"),
    "triangular2": (lambda x, gamma: 1 / (2.0 ** (x - 1)), "cycle"),  # the amplitude halves every cycle
    "exp_range": (lambda x, gamma: gamma ** x, "iterations"),  # the amplitude decays by γ every iteration
}


class CyclicLR(LRScheduler):
    """The cyclical learning rate policy (Smith, 2017): a triangle wave between base_lr and max_lr.

    Each cycle rises for ``step_size_up`` iterations and falls for ``step_size_down``; its amplitude
    is scaled by ``scale_fn`` of the cycle number or of the iteration count (``scale_mode``).
    """

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
                 gamma=1.0, scale_fn=None, scale_mode="cycle", cycle_momentum=True, base_momentum=0.8,
                 max_momentum=0.9, last_epoch=-1):
        _check_optimizer(optimizer)
        base_lrs = _format_param("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for group, lr in zip(optimizer.param_groups, base_lrs):
                _set_group_value(group, "lr", lr)
        self.max_lrs = _format_param("max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in _CYCLIC_MODES and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else _CYCLIC_MODES[mode][1]
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            _prepare_momentum_cycle(self, optimizer, base_momentum, max_momentum, last_epoch, keep_lists=True)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x):
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        return _CYCLIC_MODES[self.mode][0](x, self.gamma)

    def get_lr(self):
        _warn_unless_in_step(self)
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle  # position in the cycle, in [0, 1)
        rise = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)  # 0 → 1 → 0
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [low + (high - low) * rise * scale for low, high in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                _set_momentum(group, high - (high - low) * rise * scale, self.use_beta1)
        return lrs

    def state_dict(self):
        state = super().state_dict()
        fn = state.pop("_scale_fn_custom")
        state["_scale_fn_custom"] = None if fn is None or isinstance(fn, types.FunctionType) else fn.__dict__.copy()
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop("_scale_fn_custom")
        state.pop("_scale_fn_ref", None)  # an attribute of older checkpoints
        super().load_state_dict(state)
        if saved is not None:
            self._scale_fn_custom.__dict__.update(saved)
        if self._scale_fn_custom is None:
            self.scale_mode = _CYCLIC_MODES[self.mode][1]


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov & Hutter, 2017): cosine annealing from base to η_min, restarted every T_i epochs.

    The first period is T_0 epochs, each next one T_mult times longer. ``step(epoch)`` accepts
    fractional epochs (e.g. ``epoch + i / iters``) and is not deprecated here.
    """

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        if T_0 <= 0 or not isinstance(T_0, int):
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if T_mult < 1 or not isinstance(T_mult, int):
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            msg = f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}"
            raise ValueError(msg)  # noqa: TRY004 (as PyTorch)
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_unless_in_step(self)
        cos = 1 + math.cos(math.pi * self.T_cur / self.T_i)
        return [self.eta_min + (base - self.eta_min) * cos / 2 for base in self.base_lrs]

    def step(self, epoch=None):
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:  # restart, with a longer period
                self.T_cur %= self.T_i  # (more than one period past only when resuming with last_epoch)
                self.T_i *= self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"Expected non-negative epoch, but got {epoch}")
            self.T_cur, self.T_i = self._position(epoch)
        self.last_epoch = math.floor(epoch)
        with _raised(self, "_get_lr_called_within_step"):
            lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            _set_group_value(group, "lr", lr)
        self._last_lr = _current_lrs(self.optimizer)

    def _position(self, epoch):
        """(epochs into the current period, its length) at `epoch`."""
        T_0, mult = self.T_0, self.T_mult
        if epoch < T_0:
            return epoch, T_0
        if mult == 1:
            return epoch % T_0, T_0
        # periods T_0·mult^k end at T_0·(mult^(n) − 1)/(mult − 1): find the period n that holds `epoch`
        n = int(math.log(epoch / T_0 * (mult - 1) + 1, mult))
        return epoch - T_0 * (mult ** n - 1) / (mult - 1), T_0 * mult ** n


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2018), stepped once per batch.

    The lr anneals from max_lr/div_factor up to max_lr over the first ``pct_start`` of the steps, then
    down to initial_lr/final_div_factor (with ``three_phase``: back to initial_lr first, then down);
    the momentum moves the opposite way between max_momentum and base_momentum.
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
                 final_div_factor=1e4, three_phase=False, last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            if total_steps <= 0 or not isinstance(total_steps, int):
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError(f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        if pct_start < 0 or pct_start > 1 or not isinstance(pct_start, float):
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        self._schedule_phases = self._phases(float(pct_start * self.total_steps), three_phase)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._anneal_func_type = anneal_strategy
        max_lrs = _format_param("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            _prepare_momentum_cycle(self, optimizer, base_momentum, max_momentum, last_epoch, keep_lists=False)
        super().__init__(optimizer, last_epoch)

    def _phases(self, warmup, three_phase):
        """Each phase anneals between two group keys until its (inclusive) end step."""
        def phase(end, lr_from, lr_to, m_from, m_to):
            return {"end_step": end, "start_lr": lr_from, "end_lr": lr_to, "start_momentum": m_from,
                    "end_momentum": m_to}
        last = self.total_steps - 1
        if three_phase:
            return [phase(warmup - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                    phase(2 * warmup - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                    phase(last, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        return [phase(warmup - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                phase(last, "max_lr", "min_lr", "base_momentum", "max_momentum")]

    def _anneal(self, start, end, pct):
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        _warn_unless_in_step(self)
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total steps is "
                             f"{self.total_steps}")
        # the phase holding `step` (the last one takes everything after it), and how far along it we are
        start = 0.0
        for i, phase in enumerate(self._schedule_phases):
            if step <= phase["end_step"] or i == len(self._schedule_phases) - 1:
                pct = (step - start) / (phase["end_step"] - start)
                break
            start = phase["end_step"]
        lrs = []
        for group in self.optimizer.param_groups:
            lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
            if self.cycle_momentum:
                momentum = self._anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                _set_momentum(group, momentum, self.use_beta1)
        return lrs
