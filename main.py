"""ember's main job: train a small CNN on scikit-learn's handwritten digits, save it, load it back.

    pip install ".[main]"
    python main.py              # on ember
    python main.py --torch      # the same program on PyTorch, for comparison

This is ordinary PyTorch code: the only ember-specific line is the import below.
"""
import argparse
import sys
import time

if "--torch" in sys.argv:
    import torch
else:
    import ember as torch

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from tqdm import tqdm

nn = torch.nn
F = torch.nn.functional
DataLoader, TensorDataset = torch.utils.data.DataLoader, torch.utils.data.TensorDataset


class DigitsCNN(nn.Module):
    """8x8 grey image -> 10 logits: two conv+ReLU+maxpool blocks and a linear classifier."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)   # 16 x 8 x 8 -> pool -> 16 x 4 x 4
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)  # 32 x 4 x 4 -> pool -> 32 x 2 x 2
        self.fc = nn.Linear(32 * 2 * 2, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


def load_data(device):
    """scikit-learn's 1797 digits as (N, 1, 8, 8) float tensors scaled to [-1, 1]; a stratified 80/20 split."""
    digits = load_digits()
    images = (digits.images.astype(np.float32) / 16.0 - 0.5) / 0.5
    x_train, x_test, y_train, y_test = train_test_split(images, digits.target, test_size=0.2, random_state=0,
                                                        stratify=digits.target)

    def to_tensors(x, y):
        return torch.from_numpy(x).unsqueeze(1).to(device), torch.from_numpy(y).long().to(device)

    return to_tensors(x_train, y_train), to_tensors(x_test, y_test)


@torch.no_grad()
def accuracy(model, x, y):
    model.eval()
    return (model(x).argmax(dim=1) == y).float().mean().item()


def train(model, loader, x_test, y_test, epochs, lr):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * len(loader))
    for epoch in range(1, epochs + 1):
        model.train()
        bar = tqdm(total=len(loader.dataset), desc=f"epoch {epoch:2d}/{epochs}", unit="img", leave=True,
                   dynamic_ncols=True)
        for images, labels in loader:
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            bar.update(len(images))
            bar.set_postfix(loss=f"{loss.item():.4f}")
        bar.set_postfix(loss=f"{loss.item():.4f}", test_acc=f"{accuracy(model, x_test, y_test):.2%}")
        bar.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch", action="store_true", help="run on PyTorch instead of ember")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", default="digits_cnn.pt", help="where to save the trained weights")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print(f"{torch.__name__} {torch.__version__} on {device}")

    (x_train, y_train), (x_test, y_test) = load_data(device)
    generator = torch.Generator().manual_seed(args.seed)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size, shuffle=True,
                        generator=generator)
    print(f"digits: {len(x_train)} training and {len(x_test)} test images of 8x8 pixels")

    model = DigitsCNN().to(device)
    print(f"model: {sum(p.numel() for p in model.parameters())} parameters")
    start = time.perf_counter()
    train(model, loader, x_test, y_test, args.epochs, args.lr)
    elapsed = time.perf_counter() - start
    acc = accuracy(model, x_test, y_test)
    print(f"trained {args.epochs} epochs in {elapsed:.1f} s; test accuracy {acc:.2%}")

    torch.save(model.state_dict(), args.checkpoint)
    restored = DigitsCNN().to(device)
    restored.load_state_dict(torch.load(args.checkpoint, map_location=device))
    restored_acc = accuracy(restored, x_test, y_test)
    print(f"saved {args.checkpoint}; reloaded into a fresh model: test accuracy {restored_acc:.2%}")
    return acc, restored_acc


if __name__ == "__main__":
    main()
