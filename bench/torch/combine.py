"""GradCraft and MultiBalance combines over a T x d matrix of task gradients, in torch.

Written as the papers state them and as the official code works (on the gradient vectors, not
in mtlkit's Gram-coefficient form): the same work, not the same bits. Small T x T algebra runs
in float64, the d-long vector work in G's precision (float32 when timed, float64 in the
same-work check's verdict).
"""
import torch


def gradcraft(G, tau=0.1, eps=1e-10):
    """Bai et al. 2024, eq. 5 magnitude, eq. 6-9 projection against each conflict set, eq. 10 mean."""
    T = G.shape[0]
    norms = G.norm(dim=1).double()
    mx = norms.max()
    f = torch.where(norms > 0, tau * mx / norms.clamp_min(1e-300) + (1 - tau), torch.ones_like(norms))
    Gh = G * f.to(G.dtype)[:, None]
    K = (Gh @ Gh.T).double()
    out = Gh.clone()
    for i in range(T):
        S = [j for j in range(T) if j != i and K[i, j] < 0]
        if not S:
            continue
        idx = torch.tensor(S)
        A = K[idx][:, idx]
        rhs = -K[idx, i] + eps * torch.sqrt(K[i, i]) * torch.sqrt(torch.diagonal(K)[idx])
        try:
            w = torch.linalg.solve(A, rhs)
        except RuntimeError:
            w = torch.linalg.pinv(A) @ rhs
        out[i] += w.to(G.dtype) @ Gh[idx]
    return out.mean(dim=0)


def project_simplex(v):
    u, _ = torch.sort(v, descending=True)
    css = torch.cumsum(u, 0)
    k = torch.arange(1, len(v) + 1, dtype=v.dtype)
    cond = u - (css - 1) / k > 0
    r = int(torch.nonzero(cond).max())
    theta = (css[r] - 1) / (r + 1)
    return torch.clamp(v - theta, min=0)


class MultiBalance:
    """He et al. 2024, Algorithm 3, cosine form (section 5.4): gamma 0.1, beta 1, rho 0.1."""

    def __init__(self, gamma=0.1, beta=1.0, rho=0.1):
        self.gamma, self.beta, self.rho = gamma, beta, rho
        self.reset()

    def reset(self):
        self.u = None
        self.lam = None

    def __call__(self, G):
        T = G.shape[0]
        K = (G @ G.T).double()
        n = torch.sqrt(torch.diagonal(K).clamp_min(0))
        l0 = torch.full((T,), 1.0 / T, dtype=torch.float64)
        if self.u is None:
            self.u, self.lam = n.clone(), l0.clone()
        else:
            self.u = torch.where(self.u > 0, (1 - self.gamma) * self.u + self.gamma * n, n)
        inv = torch.where(self.u > 0, 1 / self.u.clamp_min(1e-300), torch.zeros_like(self.u))
        Kv = inv[:, None] * K * inv[None, :]
        x = self.lam + self.rho * l0
        delta = Kv @ x
        nx = torch.sqrt(torch.clamp(x @ delta, min=0))
        nv = torch.sqrt(torch.diagonal(Kv).clamp_min(0))
        delta = torch.where((nv > 0) & (nx > 0), delta / (nv * nx).clamp_min(1e-300), torch.zeros_like(delta))
        if self.beta != 0:
            self.lam = project_simplex(self.lam - self.beta * delta)
        return (self.lam * inv).to(G.dtype) @ G
