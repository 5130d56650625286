"""The three training steps, in the form LibMTL and the official GradCraft code use.

- ew: one backward of the summed loss.
- param (LibMTL's `_compute_grad(mode='backward')` with GradCraft): per task a backward with
  retain_graph, the shared parameters' .grad copied into row t of a fresh T x d buffer and
  zeroed; combine; the combined vector written back into the shared .grad. Task t's own
  parameters keep task t's gradient (no other loss reaches them).
- rep (LibMTL's rep_grad with MultiBalance): the bottom once; each head reads its own
  detached copy of the representation [e, s], so one backward per task leaves that task's
  representation gradient on its copy (and its own parameters' gradient); the rows go into a
  T x (B * width) buffer, combine, then one backward through the bottom from the combined
  gradient.
Each step ends before the optimizer: `grads` functions leave the gradient in .grad.
"""
import torch
import torch.nn.functional as F

from combine import gradcraft


def ew_grads(model, rows, ys):
    sum(model.losses(rows, ys)).backward()


def param_grads(model, rows, ys):
    shared = model.shared_params()
    losses = model.losses(rows, ys)
    sizes = [p.numel() for p in shared]
    G = torch.zeros(model.T, sum(sizes))
    for t, loss in enumerate(losses):
        loss.backward(retain_graph=True)
        beg = 0
        for p, n in zip(shared, sizes):
            G[t, beg:beg + n] = p.grad.view(-1)
            beg += n
        for p in shared:
            p.grad.zero_()
    d = gradcraft(G)
    beg = 0
    for p, n in zip(shared, sizes):
        p.grad = d[beg:beg + n].view_as(p).clone()
        beg += n


def rep_grads(model, rows, ys, balancer):
    e, s = model.bottom(rows)
    copies = [(e.detach().requires_grad_(), s.detach().requires_grad_()) for _ in range(model.T)]
    losses = [F.binary_cross_entropy_with_logits(model.head(t, *copies[t]), ys[t]) for t in range(model.T)]
    ne, ns = e.numel(), s.numel()
    G = torch.zeros(model.T, ne + ns)
    for t, loss in enumerate(losses):
        loss.backward()
        G[t, :ne] = copies[t][0].grad.view(-1)
        G[t, ne:] = copies[t][1].grad.view(-1)
    d = balancer(G)
    torch.autograd.backward([e, s], [d[:ne].view_as(e), d[ne:].view_as(s)])
