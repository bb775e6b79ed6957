"""Vision layers and functionals against PyTorch: interpolate/Upsample, grid_sample, affine_grid, pixel/channel
shuffle, fold/unfold."""
import warnings

import numpy as np
import pytest

import ember

from .moduleinfo import C, ModuleInfo, make_module_tests, rand
from .opinfo import FLOAT, HALF, OpInfo, S, make_arg, make_tests

try:
    import torch
except ImportError:
    torch = None


MODULES = [
    ModuleInfo("Upsample", [C(scale_factor=2), C(size=5), C(scale_factor=1.5, mode="nearest-exact"),
                            C(size=(5, 9), mode="bilinear"), C(scale_factor=(2, 1.5), mode="bilinear", align_corners=True),
                            C(scale_factor=1.7, mode="bicubic"), C(size=3, mode="area"),
                            C(scale_factor=1.5, mode="bilinear", recompute_scale_factor=True)],
               inputs=lambda rng, v: [rand(rng, 2, 3, 4, 5)]),
    ModuleInfo("Upsample", [C(scale_factor=2.5, mode="linear"), C(size=4, mode="linear", align_corners=True)],
               inputs=lambda rng, v: [rand(rng, 2, 3, 6)]),
    ModuleInfo("Upsample", [C(scale_factor=(1.5, 2, 1), mode="trilinear"), C(size=3)],
               inputs=lambda rng, v: [rand(rng, 1, 2, 3, 4, 3)]),
    ModuleInfo("UpsamplingNearest2d", [C(scale_factor=2), C(size=(3, 7))], inputs=lambda rng, v: [rand(rng, 2, 3, 4, 5)]),
    ModuleInfo("UpsamplingBilinear2d", [C(scale_factor=2), C(size=(3, 7))], inputs=lambda rng, v: [rand(rng, 2, 3, 4, 5)]),
    ModuleInfo("PixelShuffle", [C(2)], inputs=lambda rng, v: [rand(rng, 2, 8, 3, 4)]),
    ModuleInfo("PixelShuffle", [C(3)], inputs=lambda rng, v: [rand(rng, 9, 2, 3)]),
    ModuleInfo("PixelUnshuffle", [C(2)], inputs=lambda rng, v: [rand(rng, 2, 3, 4, 6)]),
    ModuleInfo("ChannelShuffle", [C(2), C(3)], inputs=lambda rng, v: [rand(rng, 2, 6, 3, 2)]),
    ModuleInfo("Unfold", [C(2), C((2, 3), dilation=(1, 2), padding=1, stride=(2, 1))],
               inputs=lambda rng, v: [rand(rng, 2, 3, 6, 7)]),
    ModuleInfo("Fold", [C((4, 5), 2)], inputs=lambda rng, v: [rand(rng, 2, 12, 12)]),
    ModuleInfo("Fold", [C(5, (2, 3), padding=1, stride=2)], inputs=lambda rng, v: [rand(rng, 12, 9)]),
]

globals().update(make_module_tests(MODULES))


# ---------------------------------------------------------------------------
# functionals

_SIZES = [{"scale_factor": 2}, {"scale_factor": 1.7}, {"scale_factor": 0.6}, {"size": 7}, {"size": 3},
          {"scale_factor": 1.3, "recompute_scale_factor": True}, {"scale_factor": 2.7}]


def _interp_samples(mode, nd, aligns=(None,)):
    def samples(dtype, rng):
        x = make_arg((2, 2, 5) if nd == 1 else (1, 1, 5, 4) if nd == 2 else (1, 1, 3, 4, 2), dtype, rng)
        for kw in _SIZES:
            for al in aligns:
                yield S(x, mode=mode, **kw, **({} if al is None else {"align_corners": al}))
        yield S(x, [4, 7, 2][:nd], mode=mode)
        if nd == 2:  # output = 2 x input with a scale that is not 2: PyTorch's 2-d nearest shortcut
            yield S(x, scale_factor=2.1, mode=mode)
        yield S(x, None, [1.5, 2.0, 0.7][:nd], mode)
    return samples


def _aa_samples(mode):
    def samples(dtype, rng):
        x = make_arg((1, 2, 9, 7), dtype, rng)
        for kw in [{"scale_factor": 0.5}, {"size": (4, 3)}, {"size": (11, 5)}, {"scale_factor": (0.3, 1.7)}]:
            for al in (False, True):
                yield S(x, mode=mode, antialias=True, align_corners=al, **kw)
    return samples


def _interp_errors(rng):
    x = make_arg((2, 3, 4, 5), "float32", rng)
    yield S(x, size=3, mode="nearest", align_corners=True)
    yield S(x, size=3, scale_factor=2)
    yield S(x)
    yield S(x, size=(3, 4, 5))
    yield S(x, scale_factor=(2,))
    yield S(x, size=3, recompute_scale_factor=True)
    yield S(x, size=3, mode="linear")
    yield S(x, size=3, mode="trilinear")
    yield S(make_arg((2, 3), "float32", rng), size=3)
    yield S(make_arg((2, 3, 4), "float32", rng), size=3, mode="linear", antialias=True)
    yield S(x, size=3, mode="lanczos")
    yield S(x, size=3, mode="lanczos", antialias=True, align_corners=True)
    yield S(x, size=3, mode="nearest", antialias=True)
    yield S(x, size=3, mode="cubic")


def _grid_sample_samples(dtype, rng):
    x4 = make_arg((1, 1, 3, 4), dtype, rng)
    x5 = make_arg((1, 1, 2, 3, 2), dtype, rng)
    for al in (False, True):
        for pm in ("zeros", "border", "reflection"):
            for mode in ("bilinear", "nearest", "bicubic"):
                yield S(x4, make_arg((1, 2, 1, 2), dtype, rng, low=-1.3, high=1.3), mode=mode, padding_mode=pm,
                        align_corners=al)
            for mode in ("bilinear", "nearest"):
                yield S(x5, make_arg((1, 1, 2, 1, 3), dtype, rng, low=-1.3, high=1.3), mode, pm, al)


def _grid_sample_errors(rng):
    x = make_arg((2, 2, 4, 5), "float32", rng)
    yield S(x, make_arg((2, 3, 2, 3), "float32", rng))
    yield S(x, make_arg((1, 3, 2, 2), "float32", rng))
    yield S(x, make_arg((2, 3, 2, 2), "float32", rng), mode="area")
    yield S(x, make_arg((2, 3, 2, 2), "float32", rng), padding_mode="wrap")
    yield S(make_arg((1, 2, 3, 4, 3), "float32", rng), make_arg((1, 2, 2, 2, 3), "float32", rng), mode="bicubic")


def _affine_grid_samples(dtype, rng):
    for al in (False, True):
        yield S(make_arg((2, 2, 3), dtype, rng), (2, 3, 4, 5), align_corners=al)
        yield S(make_arg((2, 3, 4), dtype, rng), [2, 3, 4, 2, 3], al)
        yield S(make_arg((1, 2, 3), dtype, rng), (1, 1, 1, 4), align_corners=al)


def _affine_grid_errors(rng):
    yield S(make_arg((2, 2, 3), "float32", rng), (2, 3, 4))
    yield S(make_arg((2, 3, 3), "float32", rng), (2, 3, 4, 5))
    yield S(make_arg((2, 2, 3), "float32", rng), (2, 3, 4, 5, 6))
    yield S(make_arg((2, 2, 3), "float32", rng), (2, 3, 0, 5))


def _pixel_shuffle_samples(dtype, rng):
    yield S(make_arg((2, 8, 3, 4), dtype, rng), 2)
    yield S(make_arg((9, 2, 1), dtype, rng), 3)
    yield S(make_arg((2, 1, 4, 1, 2), dtype, rng), 2)
    yield S(make_arg((2, 3, 2, 2), dtype, rng), 1)


def _pixel_shuffle_errors(rng):
    yield S(make_arg((3, 4), "float32", rng), 2)
    yield S(make_arg((2, 6, 2, 2), "float32", rng), 2)


def _pixel_unshuffle_samples(dtype, rng):
    yield S(make_arg((2, 3, 4, 6), dtype, rng), 2)
    yield S(make_arg((1, 6, 3), dtype, rng), 3)
    yield S(make_arg((2, 1, 2, 4, 4), dtype, rng), 2)


def _pixel_unshuffle_errors(rng):
    yield S(make_arg((2, 3, 5, 6), "float32", rng), 2)
    yield S(make_arg((2, 3, 4, 5), "float32", rng), 2)


def _channel_shuffle_samples(dtype, rng):
    yield S(make_arg((2, 6, 3, 2), dtype, rng), 3)
    yield S(make_arg((2, 4, 5), dtype, rng), 2)
    yield S(make_arg((1, 6, 2, 1, 2), dtype, rng), 6)


def _channel_shuffle_errors(rng):
    yield S(make_arg((2, 6, 3), "float32", rng), 4)
    yield S(make_arg((2, 6), "float32", rng), 2)


def _unfold_samples(dtype, rng):
    x = make_arg((2, 2, 5, 6), dtype, rng)
    yield S(x, 2)
    yield S(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
    yield S(x, 3, 2, 1, 2)
    yield S(make_arg((2, 4, 4), dtype, rng), (1, 2), stride=2)


def _unfold_errors(rng):
    yield S(make_arg((2, 2, 3, 3), "float32", rng), 4)
    yield S(make_arg((2, 3), "float32", rng), 2)


def _fold_samples(dtype, rng):
    yield S(make_arg((2, 8, 12), dtype, rng), (4, 5), 2)
    yield S(make_arg((2, 12, 24), dtype, rng), (5, 6), 2, stride=(1, 2), padding=1)
    yield S(make_arg((12, 9), dtype, rng), 5, (2, 3), padding=1, stride=2)
    yield S(make_arg((1, 4, 9), dtype, rng), 5, 2, dilation=2, padding=1, stride=2)


def _fold_errors(rng):
    yield S(make_arg((2, 7, 12), "float32", rng), (4, 5), 2)
    yield S(make_arg((2, 8, 11), "float32", rng), (4, 5), 2)


def _upsample_fn(name):
    def fn(fw):
        f = getattr(fw.nn.functional, name)

        def call(*args, **kwargs):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return f(*args, **kwargs)
        return call
    return fn


def _upsample_samples(dtype, rng):
    yield S(make_arg((2, 2, 3, 4), dtype, rng), scale_factor=2)
    yield S(make_arg((2, 2, 3, 4), dtype, rng), size=(5, 3))


FUNCTIONALS = [
    OpInfo("nn.functional.interpolate", _interp_samples("nearest", 1), dtypes=FLOAT + HALF + ("uint8",),
           errors=_interp_errors),
    OpInfo("nn.functional.interpolate", _interp_samples("nearest", 2), dtypes=FLOAT + HALF + ("uint8",)),
    OpInfo("nn.functional.interpolate", _interp_samples("nearest", 3)),
    OpInfo("nn.functional.interpolate", _interp_samples("nearest-exact", 2), dtypes=FLOAT + HALF),
    OpInfo("nn.functional.interpolate", _interp_samples("linear", 1, (False, True)), dtypes=FLOAT + HALF),
    OpInfo("nn.functional.interpolate", _interp_samples("bilinear", 2, (None, True)), dtypes=FLOAT + HALF),
    OpInfo("nn.functional.interpolate", _interp_samples("bicubic", 2, (False, True)), atol=1e-5, half_atol=5e-2),
    OpInfo("nn.functional.interpolate", _interp_samples("trilinear", 3, (False, True))),
    OpInfo("nn.functional.interpolate", _interp_samples("area", 2)),
    OpInfo("nn.functional.interpolate", _aa_samples("bilinear"), dtypes=FLOAT + HALF),
    OpInfo("nn.functional.interpolate", _aa_samples("bicubic")),
    OpInfo("nn.functional.upsample", _upsample_samples, torch_fn=_upsample_fn("upsample")(torch),
           ember_fn=_upsample_fn("upsample")(ember)),
    OpInfo("nn.functional.upsample_nearest", _upsample_samples, torch_fn=_upsample_fn("upsample_nearest")(torch),
           ember_fn=_upsample_fn("upsample_nearest")(ember)),
    OpInfo("nn.functional.upsample_bilinear", _upsample_samples, torch_fn=_upsample_fn("upsample_bilinear")(torch),
           ember_fn=_upsample_fn("upsample_bilinear")(ember)),
    OpInfo("nn.functional.grid_sample", _grid_sample_samples, errors=_grid_sample_errors),
    OpInfo("nn.functional.affine_grid", _affine_grid_samples, errors=_affine_grid_errors),
    OpInfo("nn.functional.pixel_shuffle", _pixel_shuffle_samples, dtypes=FLOAT + ("int64",), errors=_pixel_shuffle_errors),
    OpInfo("nn.functional.pixel_unshuffle", _pixel_unshuffle_samples, dtypes=FLOAT + ("int64",),
           errors=_pixel_unshuffle_errors),
    OpInfo("nn.functional.channel_shuffle", _channel_shuffle_samples, dtypes=FLOAT + ("int64",),
           errors=_channel_shuffle_errors),
    OpInfo("nn.functional.unfold", _unfold_samples, errors=_unfold_errors),
    OpInfo("nn.functional.fold", _fold_samples, errors=_fold_errors),
]

globals().update(make_tests(FUNCTIONALS))


# ---------------------------------------------------------------------------
# things rows can't express

def test_interpolate_unsupported_options_are_named():
    with pytest.raises(NotImplementedError, match="antialias"):
        ember.nn.functional.interpolate(ember.randint(0, 255, (1, 1, 4, 4), dtype=ember.uint8), size=2,
                                        mode="bilinear", antialias=True)
    with pytest.raises(NotImplementedError, match="lanczos"):
        ember.nn.functional.interpolate(ember.randn(1, 1, 4, 4), size=2, mode="lanczos", antialias=True)


def test_upsample_deprecation_warning():
    with pytest.warns(UserWarning, match="deprecated"):
        ember.nn.functional.upsample(ember.randn(1, 1, 4), scale_factor=2)


def test_interpolate_nearest_index_math_edge_cases():
    """Scale given vs size given pick different source pixels; both follow PyTorch's float32 index math.
    (PyTorch's 1-d/3-d nearest *backward* uses the 2x shortcut its forward does not, e.g. 5 -> 10 with
    scale_factor=2.1; ember's gradient is the derivative of the forward, so those cases are not compared.)"""
    x = np.arange(5, dtype=np.float32).reshape(1, 1, 5)
    for kw in [{"scale_factor": 1.1}, {"scale_factor": 0.9}, {"scale_factor": 1.5, "mode": "nearest-exact"},
               {"size": 5}, {"scale_factor": 2.0000001}, {"scale_factor": 1 / 3}]:
        t = torch.nn.functional.interpolate(torch.from_numpy(x), **kw)
        e = ember.nn.functional.interpolate(ember.from_numpy(x), **kw)
        np.testing.assert_array_equal(e.numpy(), t.numpy(), err_msg=str(kw))


def test_grid_sample_double_backward():
    x = ember.randn(1, 2, 3, 4, dtype=ember.float64, requires_grad=True)
    g = (ember.rand(1, 2, 2, 2, dtype=ember.float64) * 2 - 1).requires_grad_()
    assert ember.autograd.gradgradcheck(lambda a, b: ember.nn.functional.grid_sample(a, b, align_corners=False), (x, g))
