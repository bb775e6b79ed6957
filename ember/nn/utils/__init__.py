"""torch.nn.utils (being written)"""
