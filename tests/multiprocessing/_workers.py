"""Process targets for the multiprocessing tests (importable, so 'spawn' children can find them)."""
import os
import signal

import ember


def add_one(t):
    t.add_(1)


def fill_from_queue(q, out):
    t = q.get()
    out.put((t.is_shared(), t.sum().item()))
    t.fill_(7)


def echo(q_in, q_out, received):
    t = q_in.get()
    q_out.put(t * 2)
    received.wait(60)  # as with torch: the sender must outlive the receipt of a 'file_descriptor' tensor


def spawn_ok(i, shared):
    shared[i] = i + 10


def spawn_raise(i):
    if i == 1:
        raise ValueError("boom in child 1")


def spawn_exit(i):
    if i == 0:
        os._exit(3)


def spawn_kill(i):
    if i == 0:
        os.kill(os.getpid(), signal.SIGKILL)


def hogwild_train(rank, model, x, y, steps):
    """Train the shared `model` in place (Hogwild): no locks, both processes update the same memory."""
    ember.manual_seed(rank)
    opt = ember.optim.SGD(model.parameters(), lr=0.05)
    for step in range(steps):
        idx = ember.randint(0, x.shape[0], (32,))
        loss = ((model(x[idx]) - y[idx]) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
