"""Turning what the sampler yields into a batch, the same way in the main process and in workers."""


class _DatasetKind:
    Map = 0
    Iterable = 1


def make_fetch(kind, dataset, auto_collation, collate_fn, drop_last):
    """A function from one sampler item (a key, or a list of keys when batching) to a collated batch.

    For an IterableDataset the keys only say how many samples to take (the
    sampler yields None forever); the function raises StopIteration once the
    dataset's iterator is done, and keeps raising it.
    """
    if kind == _DatasetKind.Map:
        getitems = getattr(dataset, "__getitems__", None)

        def fetch(keys):
            if not auto_collation:
                return collate_fn(dataset[keys])
            return collate_fn(getitems(keys) if getitems else [dataset[k] for k in keys])

        return fetch

    samples = iter(dataset)
    done = False

    def fetch(keys):
        nonlocal done
        if done:
            raise StopIteration
        if not auto_collation:
            try:
                sample = next(samples)
            except StopIteration:
                done = True
                raise
            return collate_fn(sample)
        batch = []
        for _ in keys:
            try:
                batch.append(next(samples))
            except StopIteration:
                done = True  # never call next() on a finished iterator again
                break
        if not batch or (drop_last and len(batch) < len(keys)):
            raise StopIteration
        return collate_fn(batch)

    return fetch
