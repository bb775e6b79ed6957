"""Training from a map-style Dataset through DataLoader worker processes."""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, random_split


class SpiralDataset(Dataset):
    """Two interleaved spirals; each item is generated on demand (as a file-backed data set would be read)."""

    def __init__(self, n, noise=0.1, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.t = torch.rand(n, generator=g) * 2 + 0.5
        self.labels = torch.randint(0, 2, (n,), generator=g)
        self.noise = noise * torch.randn(n, 2, generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        t, label = self.t[i], self.labels[i]
        angle = t * 3.14159 + label * 3.14159
        point = torch.stack([t * torch.cos(angle), t * torch.sin(angle)]) + self.noise[i]
        return point, label


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--num-workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    torch.manual_seed(0)
    train_set, test_set = random_split(SpiralDataset(1200), [1000, 200], generator=torch.Generator().manual_seed(0))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              num_workers=args.num_workers, persistent_workers=args.num_workers > 0)
    test_loader = DataLoader(test_set, batch_size=100, num_workers=args.num_workers)

    model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(args.epochs):
        model.train()
        total, count = 0.0, 0
        for points, labels in train_loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(points), labels)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
            count += len(labels)
        print(f"epoch {epoch}: train loss {total / count:.4f}")

    model.eval()
    correct = 0
    with torch.no_grad():
        for points, labels in test_loader:
            correct += (model(points).argmax(1) == labels).sum().item()
    print(f"final_loss={total / count:.4f}")
    print(f"test_accuracy={correct / len(test_set):.4f}")


if __name__ == "__main__":
    main()
