"""DistributedSampler: each of `num_replicas` processes loads its own share of a dataset."""
import math
from typing import TypeVar

from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _process_group():
    # (world_size, rank) of the default process group; PyTorch's error when there is none
    try:
        from ... import distributed as dist
        if dist.is_available() and dist.is_initialized():
            return dist.get_world_size(), dist.get_rank()
    except (ImportError, AttributeError):
        pass
    raise ValueError("Default process group has not been initialized, please make sure to call init_process_group.")


_T_co = TypeVar("_T_co", covariant=True)


class DistributedSampler(Sampler[_T_co]):
    """Restricts loading to a subset of the dataset: rank `rank` of `num_replicas` gets every num_replicas-th key.

    Call `set_epoch(epoch)` before each epoch so shuffling differs between epochs.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None:
            num_replicas = _process_group()[0]
        if rank is None:
            rank = _process_group()[1]
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(self.dataset) % self.num_replicas != 0:
            # the largest even split, so every rank gets the same number of samples
            self.num_samples = math.ceil((len(self.dataset) - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(len(self.dataset) / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        import ember
        if self.shuffle:
            g = ember.Generator()
            g.manual_seed(self.seed + self.epoch)  # the same permutation on every rank
            indices = ember.randperm(len(self.dataset), generator=g).tolist()
        else:
            indices = list(range(len(self.dataset)))
        if not self.drop_last:
            padding = self.total_size - len(indices)  # repeat keys to divide evenly
            if padding <= len(indices):
                indices += indices[:padding]
            else:
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[: self.total_size]
        return iter(indices[self.rank: self.total_size: self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Set the epoch, which seeds the shuffling along with `seed`."""
        self.epoch = epoch
