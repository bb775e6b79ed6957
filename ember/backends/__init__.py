"""Array backends (numpy for cpu, meta, cupy for cuda) and torch.backends-style flags."""
