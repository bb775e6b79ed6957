"""torch.Size: a tuple of ints that prints as torch.Size([...])."""


class Size(tuple):
    __slots__ = ()

    def __new__(cls, sizes=()):
        sizes = tuple.__new__(cls, sizes)
        for s in sizes:
            if s.__class__ is not int:
                return tuple.__new__(cls, _check_sizes(sizes))
        return sizes

    def __repr__(self):
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        out = tuple.__getitem__(self, item)
        return Size(out) if isinstance(item, slice) else out

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __mul__(self, n):
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def __reduce__(self):
        return (Size, (tuple(self),))


def _check_sizes(sizes):
    """Sizes must be ints (or NumPy ints / integer tensors, read through __index__), as PyTorch's Size checks."""
    out = []
    for i, s in enumerate(sizes):
        if not hasattr(type(s), "__index__"):
            raise TypeError(f"torch.Size() takes an iterable of 'int' (item {i} is '{type(s).__name__}')")
        out.append(s.__index__())
    return out

