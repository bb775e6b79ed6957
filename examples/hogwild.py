"""Hogwild! training: several processes update one shared-memory model without locks."""
import argparse

import torch
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F

TRUE_W = torch.tensor([[2.0, -3.0, 0.5, 1.0]])


def batch(n, generator):
    x = torch.randn(n, 4, generator=generator)
    y = x @ TRUE_W.t() + 0.1 * torch.randn(n, 1, generator=generator)
    return x, y


def train(rank, model, steps):
    torch.manual_seed(1 + rank)
    generator = torch.Generator().manual_seed(100 + rank)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(steps):
        x, y = batch(32, generator)
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        optimizer.step()  # writes straight into the shared parameters


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--num-processes", type=int, default=2)
    args = parser.parse_args()

    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    model.share_memory()  # the parameters' storage moves to shared memory
    processes = []
    for rank in range(args.num_processes):
        p = mp.Process(target=train, args=(rank, model, args.steps))
        p.start()
        processes.append(p)
    for p in processes:
        p.join()
        assert p.exitcode == 0, f"worker exited with {p.exitcode}"

    with torch.no_grad():
        x, y = batch(1000, torch.Generator().manual_seed(0))
        test_loss = F.mse_loss(model(x), y).item()
    print("learned weight:", [round(w, 3) for w in model.weight.view(-1).tolist()])
    print(f"final_loss={test_loss:.4f}")


if __name__ == "__main__":
    main()
