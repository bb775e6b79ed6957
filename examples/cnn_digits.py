"""A small convolutional network (Conv2d, BatchNorm2d, MaxPool2d) on 8x8 digits."""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from _digits import load_digits


class ConvNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(32 * 2 * 2, classes)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))  # 8x8 -> 4x4
        x = self.pool(F.relu(self.bn2(self.conv2(x))))  # 4x4 -> 2x2
        return self.fc(torch.flatten(x, 1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.01)
    args = parser.parse_args()

    torch.manual_seed(0)
    x_train, y_train, x_test, y_test = load_digits()
    x_train, x_test = x_train.unsqueeze(1), x_test.unsqueeze(1)  # add the channel dimension
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size, shuffle=True)

    model = ConvNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    criterion = nn.CrossEntropyLoss()

    for epoch in range(args.epochs):
        model.train()
        for images, labels in loader:
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
        scheduler.step()
        model.eval()
        with torch.no_grad():
            logits = model(x_test)
            test_loss = criterion(logits, y_test).item()
            correct = (logits.argmax(1) == y_test).sum().item()
        print(f"epoch {epoch}: last batch loss {loss.item():.4f}  test loss {test_loss:.4f}  "
              f"test accuracy {correct / len(y_test):.4f}")

    print(f"final_loss={test_loss:.4f}")
    print(f"test_accuracy={correct / len(y_test):.4f}")


if __name__ == "__main__":
    main()
