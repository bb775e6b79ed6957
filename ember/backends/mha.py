"""torch.backends.mha: the fast-path switch of MultiheadAttention (ember has one path; the flag is recorded)."""
_fastpath = [True]


def get_fastpath_enabled():
    return _fastpath[0]


def set_fastpath_enabled(value):
    _fastpath[0] = bool(value)
