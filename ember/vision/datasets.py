"""ember.vision.datasets: torchvision.datasets that read files already on disk.

ember never downloads: ``download=True`` with the files missing raises a
RuntimeError that says where to put them.  The MNIST family reads
torchvision's layout, ``<root>/<ClassName>/raw/train-images-idx3-ubyte[.gz]``
and friends, so a directory torchvision filled works as is.
"""
import gzip
import os

import numpy as np

import ember
from ember.utils.data import Dataset

__all__ = ["KMNIST", "MNIST", "FashionMNIST", "VisionDataset"]


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise AttributeError(f"module 'torchvision.datasets' has no attribute {name!r} "
                         f"(ember does not provide torchvision.datasets.{name} yet)")


class VisionDataset(Dataset):
    def __init__(self, root=None, transforms=None, transform=None, target_transform=None):
        self.root = os.path.expanduser(root) if isinstance(root, str) else root
        self.transform, self.target_transform = transform, target_transform
        self.transforms = transforms

    def __repr__(self):
        return f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n    Root location: {self.root}"


def _read_idx(path):
    """An IDX file (MNIST's format: magic, dims, big-endian payload) as an ndarray."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dtype = {8: ">u1", 9: ">i1", 11: ">i2", 12: ">i4", 13: ">f4", 14: ">f8"}[data[2]]
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=dtype, offset=4 + 4 * ndim).reshape(shape).astype(dtype[1:])


class MNIST(VisionDataset):
    """28x28 handwritten digits: items are (image, label); the image is an 8-bit H x W array unless transformed.

    torchvision gives a PIL image; ember gives the uint8 ndarray (ToTensor accepts both) so PIL is not needed.
    """
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]
    _files = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
              False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        paths = [self._find(name) for name in self._files[bool(train)]]
        if None in paths:
            where = os.path.join(self.raw_folder, "")
            if download:
                raise RuntimeError(
                    f"ember does not download datasets (torchvision.datasets.{type(self).__name__}(download=True)): "
                    f"put {', '.join(self._files[bool(train)])} (optionally .gz) in {where} and run again")
            raise RuntimeError(f"Dataset not found in {where}. ember does not download datasets: put the raw files "
                               "there (a directory torchvision downloaded into works as is)")
        self.data = ember.from_numpy(_read_idx(paths[0]))
        self.targets = ember.from_numpy(_read_idx(paths[1]).astype(np.int64))

    @property
    def raw_folder(self):
        return os.path.join(self.root, type(self).__name__, "raw")

    def _find(self, name):
        for candidate in (name, name + ".gz"):
            path = os.path.join(self.raw_folder, candidate)
            if os.path.exists(path):
                return path
        return None

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        img, target = self.data[index].numpy(), int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target


class FashionMNIST(MNIST):
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


class KMNIST(MNIST):
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
