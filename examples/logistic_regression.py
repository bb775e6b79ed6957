"""Logistic regression on two synthetic Gaussian blobs."""
import argparse

import torch
import torch.nn as nn


def make_data(n, generator):
    centers = torch.tensor([[-1.5, -1.0], [1.5, 1.0]])
    labels = torch.randint(0, 2, (n,), generator=generator)
    points = centers[labels] + torch.randn(n, 2, generator=generator)
    return points, labels.float()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args()

    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    x_train, y_train = make_data(512, g)
    x_test, y_test = make_data(256, g)

    model = nn.Linear(2, 1)
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)

    for epoch in range(args.epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(x_train).squeeze(1), y_train)
        loss.backward()
        optimizer.step()
        if epoch % 50 == 0:
            print(f"epoch {epoch}: loss {loss.item():.4f}")

    with torch.no_grad():
        predictions = (torch.sigmoid(model(x_test).squeeze(1)) > 0.5).float()
        accuracy = (predictions == y_test).float().mean().item()
    print(f"final_loss={loss.item():.4f}")
    print(f"test_accuracy={accuracy:.4f}")


if __name__ == "__main__":
    main()
