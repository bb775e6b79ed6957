"""Fit a cubic polynomial to noisy samples with a linear layer on polynomial features."""
import argparse

import torch
import torch.nn.functional as F

DEGREE = 3
TRUE_W = torch.tensor([0.5, -1.2, 0.8])  # coefficients of x, x^2, x^3
TRUE_B = torch.tensor([0.3])


def features(x):
    """Build the matrix with columns x, x^2, x^3."""
    x = x.unsqueeze(1)
    return torch.cat([x ** i for i in range(1, DEGREE + 1)], 1)


def target(x):
    return features(x).mv(TRUE_W) + TRUE_B.item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    torch.manual_seed(0)
    fc = torch.nn.Linear(DEGREE, 1)
    optimizer = torch.optim.Adam(fc.parameters(), lr=0.05)

    for step in range(args.steps):
        x = torch.rand(args.batch_size) * 4 - 2
        y = target(x) + 0.05 * torch.randn(args.batch_size)
        optimizer.zero_grad()
        loss = F.mse_loss(fc(features(x)).squeeze(-1), y)
        loss.backward()
        optimizer.step()
        if step % 100 == 0:
            print(f"step {step}: loss {loss.item():.5f}")

    weight_error = (fc.weight.detach().view(-1) - TRUE_W).abs().max().item()
    print("learned:", " + ".join(f"{w:+.3f} x^{i + 1}" for i, w in enumerate(fc.weight.view(-1).tolist())),
          f"{fc.bias.item():+.3f}")
    print(f"weight_error={weight_error:.4f}")
    print(f"final_loss={loss.item():.5f}")


if __name__ == "__main__":
    main()
