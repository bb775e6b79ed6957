"""A GAN learning a 1-D mixture of two Gaussians."""
import argparse

import torch
import torch.nn as nn

MEANS = torch.tensor([-2.0, 2.0])
STD = 0.5


def real_samples(n):
    component = torch.randint(0, 2, (n,))
    return (MEANS[component] + STD * torch.randn(n)).unsqueeze(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--latent", type=int, default=4)
    args = parser.parse_args()

    torch.manual_seed(0)
    generator = nn.Sequential(nn.Linear(args.latent, 32), nn.LeakyReLU(0.2), nn.Linear(32, 32),
                              nn.LeakyReLU(0.2), nn.Linear(32, 1))
    discriminator = nn.Sequential(nn.Linear(1, 32), nn.LeakyReLU(0.2), nn.Linear(32, 32),
                                  nn.LeakyReLU(0.2), nn.Linear(32, 1))
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    criterion = nn.BCEWithLogitsLoss()
    ones = torch.ones(args.batch_size, 1)
    zeros = torch.zeros(args.batch_size, 1)

    for step in range(args.steps):
        # Discriminator: real -> 1, fake -> 0.
        fake = generator(torch.randn(args.batch_size, args.latent))
        opt_d.zero_grad()
        d_loss = criterion(discriminator(real_samples(args.batch_size)), ones) + \
            criterion(discriminator(fake.detach()), zeros)
        d_loss.backward()
        opt_d.step()

        # Generator: make the discriminator say 1 on fakes.
        opt_g.zero_grad()
        g_loss = criterion(discriminator(fake), ones)
        g_loss.backward()
        opt_g.step()
        if step % 100 == 0:
            print(f"step {step}: d_loss {d_loss.item():.3f}  g_loss {g_loss.item():.3f}")

    with torch.no_grad():
        samples = generator(torch.randn(4000, args.latent)).squeeze(1)
    left = samples[samples < 0]
    right = samples[samples >= 0]
    frac_left = len(left) / len(samples)
    # Distance between the sample distribution and the target, via sorted samples (1-D Wasserstein-1).
    target = real_samples(4000).squeeze(1)
    w1 = (samples.sort().values - target.sort().values).abs().mean().item()
    print(f"left mode mean {left.mean().item():.3f}  right mode mean {right.mean().item():.3f}  "
          f"fraction left {frac_left:.3f}")
    print(f"final_loss={g_loss.item():.4f}")
    print(f"wasserstein={w1:.4f}")


if __name__ == "__main__":
    main()
