"""ember.vision.transforms: the torchvision.transforms most training scripts start with."""
import numpy as np

import ember

__all__ = ["Compose", "Lambda", "Normalize", "PILToTensor", "ToTensor"]


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise AttributeError(f"module 'torchvision.transforms' has no attribute {name!r} "
                         f"(ember does not provide torchvision.transforms.{name} yet)")


def _as_array(pic):
    """A PIL image or an ndarray as an H x W x C array (PIL is only needed if you pass PIL images)."""
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        return pic[:, :, None] if pic.ndim == 2 else pic
    if type(pic).__module__.startswith("PIL."):
        array = np.array(pic, copy=True)
        return array[:, :, None] if array.ndim == 2 else array
    raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")


class Compose:
    """Apply transforms one after the other."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        lines = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({lines}\n)"


class Lambda:
    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return f"{type(self).__name__}()"


class ToTensor:
    """H x W x C image (PIL or ndarray) -> C x H x W float tensor; uint8 values are scaled to [0, 1]."""

    def __call__(self, pic):
        array = _as_array(pic)
        tensor = ember.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))
        if array.dtype == np.uint8:
            return tensor.to(ember.get_default_dtype()).div(255)
        return tensor

    def __repr__(self):
        return f"{type(self).__name__}()"


class PILToTensor:
    """H x W x C image -> C x H x W tensor of the same dtype (no scaling)."""

    def __call__(self, pic):
        return ember.from_numpy(np.ascontiguousarray(_as_array(pic).transpose(2, 0, 1)))

    def __repr__(self):
        return f"{type(self).__name__}()"


class Normalize:
    """(input - mean) / std per channel of a (..., C, H, W) float tensor."""

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor):
        if not isinstance(tensor, ember.Tensor):
            raise TypeError(f"Input tensor should be a torch tensor. Got {type(tensor)}.")
        if not tensor.is_floating_point():
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if tensor.ndim < 3:
            raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                             f"{tuple(tensor.shape)}")
        mean = ember.as_tensor(self.mean, dtype=tensor.dtype, device=tensor.device)
        std = ember.as_tensor(self.std, dtype=tensor.dtype, device=tensor.device)
        if (std == 0).any():
            raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
        mean, std = mean.view(-1, 1, 1), std.view(-1, 1, 1)
        return tensor.sub_(mean).div_(std) if self.inplace else tensor.sub(mean).div(std)

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"
