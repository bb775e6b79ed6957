"""An LSTM that predicts the next value of a noisy sine wave."""
import argparse
import math

import torch
import torch.nn as nn


class Forecaster(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.lstm = nn.LSTM(input_size=1, hidden_size=hidden, num_layers=1, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, (h, c) = self.lstm(x)  # out: (batch, time, hidden)
        return self.head(out[:, -1])


def make_batch(batch, length, noise=0.05):
    phase = torch.rand(batch, 1) * 2 * math.pi
    freq = 0.2 + 0.1 * torch.rand(batch, 1)
    t = torch.arange(length + 1, dtype=torch.float32)
    wave = torch.sin(phase + freq * t) + noise * torch.randn(batch, length + 1)
    return wave[:, :-1].unsqueeze(-1), wave[:, -1:]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--length", type=int, default=20)
    args = parser.parse_args()

    torch.manual_seed(0)
    model = Forecaster()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    for step in range(args.steps):
        x, y = make_batch(args.batch_size, args.length)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 25 == 0:
            print(f"step {step}: loss {loss.item():.4f}")

    model.eval()
    with torch.no_grad():
        x, y = make_batch(256, args.length)
        test_loss = loss_fn(model(x), y).item()
        baseline = loss_fn(x[:, -1], y).item()  # "tomorrow = today"
    print(f"persistence_baseline={baseline:.4f}")
    print(f"final_loss={test_loss:.4f}")


if __name__ == "__main__":
    main()
