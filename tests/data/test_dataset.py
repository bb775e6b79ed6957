"""Datasets, samplers, random_split, DistributedSampler and collation, checked against torch.utils.data."""
import collections
import warnings

import numpy as np
import pytest

import ember
import ember.utils.data as D

torch = pytest.importorskip("torch")
T = torch.utils.data


def test_public_names():
    names = T.__all__
    missing = [n for n in names if not hasattr(D, n)]
    assert not missing
    assert ember.utils.data is D


def test_tensor_dataset():
    x, y = ember.arange(12.).reshape(6, 2), ember.arange(6)
    ds = D.TensorDataset(x, y)
    assert len(ds) == 6
    a, b = ds[2]
    assert a.tolist() == [4.0, 5.0] and b.item() == 2
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        D.TensorDataset(x, ember.arange(5))


def test_stack_dataset():
    a, b = list(range(4)), list("abcd")
    assert D.StackDataset(a, b)[1] == (1, "b")
    assert D.StackDataset(x=a, y=b)[2] == {"x": 2, "y": "c"}
    assert D.StackDataset(a, b).__getitems__([0, 3]) == [(0, "a"), (3, "d")]
    assert D.StackDataset(x=a, y=b).__getitems__([1]) == [{"x": 1, "y": "b"}]
    for args, kwargs in [((a, b[:3]), {}), ((), {}), ((a,), {"y": b})]:
        with pytest.raises(ValueError) as ours:
            D.StackDataset(*args, **kwargs)
        with pytest.raises(ValueError) as theirs:
            T.StackDataset(*args, **kwargs)
        assert str(ours.value) == str(theirs.value)


class _Map(D.Dataset):
    def __init__(self, data):
        self.data = data

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return self.data[i]


class _Iter(D.IterableDataset):
    def __init__(self, data):
        self.data = data

    def __iter__(self):
        return iter(self.data)

    def __len__(self):
        return len(self.data)


def test_concat_and_chain():
    c = D.ConcatDataset([_Map([1, 2]), _Map([3]), _Map([4, 5, 6])])
    assert len(c) == 6 and [c[i] for i in range(6)] == [1, 2, 3, 4, 5, 6] and c[-1] == 6
    assert c.cumulative_sizes == [2, 3, 6]
    assert list(_Map([1]) + _Map([2])) == [1, 2] if False else (_Map([1]) + _Map([2]))[1] == 2
    with pytest.raises(ValueError, match="absolute value of index"):
        c[-7]
    with pytest.raises(AssertionError, match="empty iterable"):
        D.ConcatDataset([])
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        D.ConcatDataset([_Iter([1])])
    ch = D.ChainDataset([_Iter([1, 2]), _Iter([3])])
    assert list(ch) == [1, 2, 3] and len(ch) == 3
    assert list(_Iter([1]) + _Iter([2])) == [1, 2]
    with pytest.raises(AssertionError, match="only supports IterableDataset"):
        list(D.ChainDataset([_Map([1])]))


def test_subset():
    s = D.Subset(_Map(list(range(10, 20))), [3, 1, 4])
    assert len(s) == 3 and s[0] == 13 and s.__getitems__([1, 2]) == [11, 14]


def test_random_split():
    g = ember.Generator().manual_seed(42)
    parts = D.random_split(range(10), [3, 7], generator=g)
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(i for p in parts for i in p) == list(range(10))
    g2 = ember.Generator().manual_seed(42)
    assert [list(p) for p in D.random_split(range(10), [3, 7], generator=g2)] == [list(p) for p in parts]
    # fractions, with the remainder handed out round-robin as in PyTorch
    assert [len(p) for p in D.random_split(range(11), [0.3, 0.3, 0.4])] == \
        [len(p) for p in T.random_split(range(11), [0.3, 0.3, 0.4])]
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        D.random_split(range(2), [1.0, 0.0])
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        D.random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        D.random_split(range(10), [1.5, -0.5])
    ember.manual_seed(3)
    a = [list(p) for p in D.random_split(range(6), [2, 4])]
    ember.manual_seed(3)
    assert a == [list(p) for p in D.random_split(range(6), [2, 4])]


def test_sequential_random_subset_samplers():
    assert list(D.SequentialSampler(range(4))) == [0, 1, 2, 3]
    r = D.RandomSampler(range(10), generator=ember.Generator().manual_seed(0))
    assert sorted(r) == list(range(10)) and len(r) == 10
    r = D.RandomSampler(range(5), num_samples=12)
    out = list(r)
    assert len(out) == 12 and len(r) == 12 and all(0 <= i < 5 for i in out)
    assert sorted(out[:5]) == sorted(out[5:10]) == list(range(5))  # whole permutations first
    r = D.RandomSampler(range(3), replacement=True, num_samples=70)
    assert len(list(r)) == 70 and set(r) <= {0, 1, 2}
    ember.manual_seed(7)
    a = list(D.RandomSampler(range(20)))
    ember.manual_seed(7)
    assert a == list(D.RandomSampler(range(20)))
    s = D.SubsetRandomSampler([10, 20, 30])
    assert sorted(s) == [10, 20, 30] and len(s) == 3


@pytest.mark.parametrize("kwargs", [{"replacement": 1}, {"num_samples": 0}, {"num_samples": 2.5}])
def test_random_sampler_errors(kwargs):
    with pytest.raises(Exception) as theirs:
        T.RandomSampler(range(3), **kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        D.RandomSampler(range(3), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_weighted_random_sampler():
    w = [0.0, 0.0, 1.0, 3.0]
    s = D.WeightedRandomSampler(w, 200)
    out = list(s)
    assert len(out) == 200 and set(out) <= {2, 3} and out.count(3) > out.count(2)
    s = D.WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False, generator=ember.Generator().manual_seed(1))
    assert sorted(s) == [0, 1, 2, 3]
    for args in [([1.0, 2.0], 0), ([1.0, 2.0], 2, 1), ([[1.0, 2.0]], 2)]:
        with pytest.raises(ValueError) as theirs:
            T.WeightedRandomSampler(*args)
        with pytest.raises(ValueError) as ours:
            D.WeightedRandomSampler(*args)
        assert str(ours.value) == str(theirs.value)


def test_batch_sampler():
    for drop_last in (False, True):
        ours = D.BatchSampler(D.SequentialSampler(range(10)), 3, drop_last)
        theirs = T.BatchSampler(T.SequentialSampler(range(10)), 3, drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    for args in [(range(3), 0, False), (range(3), True, False), (range(3), 2, 1)]:
        with pytest.raises(ValueError) as theirs:
            T.BatchSampler(*args)
        with pytest.raises(ValueError) as ours:
            D.BatchSampler(*args)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (9, 3, False), (2, 4, False)])
def test_distributed_sampler(n, replicas, drop_last):
    for shuffle in (False, True):
        shards = []
        for rank in range(replicas):
            ours = D.DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=shuffle,
                                        drop_last=drop_last, seed=5)
            theirs = T.DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=shuffle,
                                          drop_last=drop_last, seed=5)
            assert len(ours) == len(theirs)
            shards.append(list(ours))
            assert len(shards[-1]) == len(ours)
            if not shuffle:
                assert shards[-1] == list(theirs)
        if not drop_last:
            assert set().union(*shards) == set(range(n))
    s = D.DistributedSampler(range(10), num_replicas=2, rank=0)
    first = list(s)
    assert list(s) == first
    s.set_epoch(1)
    assert list(s) != first and s.epoch == 1


def test_distributed_sampler_errors():
    for kwargs in [{}, {"num_replicas": 2}]:
        with pytest.raises(ValueError) as theirs:
            T.DistributedSampler(range(4), **kwargs)
        with pytest.raises(ValueError) as ours:
            D.DistributedSampler(range(4), **kwargs)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        D.DistributedSampler(range(4), num_replicas=2, rank=2)


Point = collections.namedtuple("Point", ["x", "y"])


def _same(ours, theirs):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, ember.Tensor), (ours, theirs)
        assert str(ours.dtype) == str(theirs.dtype) and tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and ours.keys() == theirs.keys()
        for k in theirs:
            _same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), (ours, theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
    else:
        assert ours == theirs


def _to_torch(sample):
    if isinstance(sample, ember.Tensor):
        return torch.from_numpy(sample.numpy().copy())
    if isinstance(sample, dict):
        return {k: _to_torch(v) for k, v in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*map(_to_torch, sample))
    if isinstance(sample, (list, tuple)):
        return type(sample)(map(_to_torch, sample))
    return sample


BATCHES = [
    [1, 2, 3],
    [1.5, 2.5],
    [True, False],
    ["a", "b"],
    [np.float32(1.5), np.float32(2)],
    [np.int16(1), np.int16(2)],
    [np.arange(3, dtype=np.float32), np.ones(3, np.float32)],
    [np.arange(4).reshape(2, 2)] * 3,
    [(1, 2.0), (3, 4.0)],
    [[1, "a"], [2, "b"]],
    [{"img": ember.ones(2, 3), "label": 1, "meta": {"name": "x", "w": 0.5}}] * 2,
    [Point(ember.tensor([1.0]), 2), Point(ember.tensor([3.0]), 4)],
    [ember.tensor(1), ember.tensor(2)],
    [ember.zeros(2, dtype=ember.float16)] * 2,
]


@pytest.mark.parametrize("batch", BATCHES, ids=range(len(BATCHES)))
def test_default_collate_matches_torch(batch):
    _same(D.default_collate(batch), T.default_collate([_to_torch(s) for s in batch]))


@pytest.mark.parametrize("sample", [np.arange(3), np.float64(2.0), (np.arange(2), 1), {"a": np.ones(2)},
                                    Point(np.array(0), 1), [np.zeros(1)], "s", 3])
def test_default_convert_matches_torch(sample):
    _same(D.default_convert(sample), T.default_convert(sample))


def test_collate_errors():
    for batch in ([object(), object()], [np.array(["a"]), np.array(["b"])], [[1, 2], [3]]):
        with pytest.raises(Exception) as theirs:
            T.default_collate(batch)
        with pytest.raises(type(theirs.value)) as ours:
            D.default_collate(batch)
        assert str(ours.value) == str(theirs.value).replace("<class 'object'>", "<class 'object'>")


def test_sampler_base_and_datapipes():
    with pytest.raises(NotImplementedError):
        iter(D.Sampler())
    with pytest.raises(NotImplementedError):
        D.Dataset()[0]

    @D.functional_datapipe("twice")
    class Twice(D.IterDataPipe):
        def __init__(self, source):
            self.source = source

        def __iter__(self):
            return (2 * x for x in self.source)

    class Source(D.IterDataPipe):
        def __iter__(self):
            return iter([1, 2])

    assert list(Source().twice()) == [2, 4]
    assert D.DataChunk([1, 2]) == [1, 2]
    with warnings.catch_warnings(), D.guaranteed_datapipes_determinism(), D.runtime_validation_disabled():
        pass


def test_generic_subscripting():
    # real code writes `class MyDataset(Dataset[tuple[Tensor, int]])` and `Sampler[int]`
    class Pairs(D.Dataset[tuple]):
        def __getitem__(self, i):
            return (i, i)

        def __len__(self):
            return 2

    class Ones(D.Sampler[int]):
        def __iter__(self):
            return iter([1])

    loader: D.DataLoader[tuple] = D.DataLoader(Pairs(), sampler=Ones())
    assert [b[0].tolist() for b in loader] == [[1]]
    assert D.IterableDataset[int] is not None and D.Subset[int] is not None
