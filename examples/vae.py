"""A variational autoencoder on 8x8 digits (reparameterisation trick, Bernoulli decoder)."""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from _digits import load_digits


class VAE(nn.Module):
    def __init__(self, latent=4, hidden=64):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(64, hidden), nn.ReLU())
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 64))

    def encode(self, x):
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 64))
        z = self.reparameterize(mu, logvar)
        return self.decoder(z), mu, logvar


def loss_function(logits, x, mu, logvar):
    """Negative ELBO per example: reconstruction + KL(q(z|x) || N(0, I))."""
    bce = F.binary_cross_entropy_with_logits(logits, x.view(-1, 64), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return (bce + kld) / x.size(0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    torch.manual_seed(0)
    x_train, _, x_test, _ = load_digits()
    loader = DataLoader(TensorDataset(x_train), batch_size=args.batch_size, shuffle=True)
    model = VAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)

    with torch.no_grad():
        initial = loss_function(*model(x_test)[:1], x_test, *model(x_test)[1:]).item()
    print(f"initial test loss {initial:.2f}")
    for epoch in range(args.epochs):
        model.train()
        for (x,) in loader:
            optimizer.zero_grad()
            logits, mu, logvar = model(x)
            loss = loss_function(logits, x, mu, logvar)
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            logits, mu, logvar = model(x_test)
            test_loss = loss_function(logits, x_test, mu, logvar).item()
        print(f"epoch {epoch}: test loss {test_loss:.2f}")

    with torch.no_grad():
        samples = torch.sigmoid(model.decoder(torch.randn(4, 4))).view(4, 8, 8)
    print("sample pixel mean", round(samples.mean().item(), 3))
    print(f"initial_loss={initial:.2f}")
    print(f"final_loss={test_loss:.2f}")


if __name__ == "__main__":
    main()
