"""torch.cpu: the CPU device module (always available; one device)."""


def is_available():
    return True


def device_count():
    return 1


def current_device():
    return "cpu"


def set_device(device):
    """The CPU is one device: nothing to select."""


def synchronize(device=None):
    """CPU work is synchronous: nothing to wait for."""
