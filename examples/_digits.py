"""The 8x8 digits data set shared by the digit examples.

sklearn's ``load_digits`` when scikit-learn is installed; otherwise a synthetic
digits-like set (noisy, shifted 8x8 renderings of 10 glyphs) built with torch.
"""
import torch

GLYPHS = [
    ["..###...", ".#...#..", ".#...#..", ".#...#..", ".#...#..", ".#...#..", "..###...", "........"],
    ["...#....", "..##....", "...#....", "...#....", "...#....", "...#....", "..###...", "........"],
    ["..###...", ".#...#..", ".....#..", "....#...", "...#....", "..#.....", ".#####..", "........"],
    ["..###...", ".#...#..", ".....#..", "...##...", ".....#..", ".#...#..", "..###...", "........"],
    ["....#...", "...##...", "..#.#...", ".#..#...", ".#####..", "....#...", "....#...", "........"],
    [".#####..", ".#......", ".####...", ".....#..", ".....#..", ".#...#..", "..###...", "........"],
    ["..###...", ".#......", ".#......", ".####...", ".#...#..", ".#...#..", "..###...", "........"],
    [".#####..", ".....#..", "....#...", "...#....", "..#.....", "..#.....", "..#.....", "........"],
    ["..###...", ".#...#..", ".#...#..", "..###...", ".#...#..", ".#...#..", "..###...", "........"],
    ["..###...", ".#...#..", ".#...#..", "..####..", ".....#..", ".....#..", "..###...", "........"],
]


def _synthetic(n, generator):
    base = torch.tensor([[[1.0 if c == "#" else 0.0 for c in row] for row in glyph] for glyph in GLYPHS])
    labels = torch.randint(0, 10, (n,), generator=generator)
    images = base[labels]
    shifts = torch.randint(-1, 2, (n, 2), generator=generator)
    images = torch.stack([torch.roll(img, (int(dy), int(dx)), (0, 1)) for img, (dy, dx) in zip(images, shifts.tolist())])
    images = (images * 16 * torch.rand(n, 1, 1, generator=generator).add(0.5)
              + 3 * torch.randn(n, 8, 8, generator=generator)).clamp(0, 16)
    return images, labels


def load_digits(seed=0):
    """Return (x_train, y_train, x_test, y_test): images of shape (N, 8, 8) scaled to [0, 1], int64 labels."""
    generator = torch.Generator().manual_seed(seed)
    try:
        from sklearn.datasets import load_digits as sk_load_digits
        data = sk_load_digits()
        images = torch.tensor(data.images, dtype=torch.float32)
        labels = torch.tensor(data.target, dtype=torch.int64)
    except ImportError:
        images, labels = _synthetic(1797, generator)
    order = torch.randperm(len(labels), generator=generator)
    images, labels = images[order] / 16.0, labels[order]
    n_train = int(0.8 * len(labels))
    return images[:n_train], labels[:n_train], images[n_train:], labels[n_train:]
