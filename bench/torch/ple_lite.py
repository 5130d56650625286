"""PLE-lite in PyTorch, written the way a PyTorch user writes it, for bench/compare-torch.ts.

mtlkit's `ple-lite` preset: F fields x V ids in one nn.Embedding (field f's id i is row
f * V + i; ids outside [1, V) are row f * V, the field's unknown row, as in mtlkit), one
shared expert and one expert per task (Linear + ReLU after every layer), per task a softmax
gate (no bias) mixing [own expert, shared expert], tower Linear + ReLU, then Linear -> logit;
BCE with logits per task, mean over the batch.

Weights come from mtlkit's flat store (`load_flat`): mtlkit keeps Linear weights [in, out],
nn.Linear keeps [out, in], so they are transposed on the way in and the gradients on the way
out (`grads_flat`). The 20 field tables are contiguous in mtlkit's store, so the joined table
is one slice of it.
"""
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F


def mlp(widths):
    layers = []
    for a, b in zip(widths, widths[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers)


class PleLite(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.T, self.F, self.V, self.k = cfg["tasks"], cfg["fields"], cfg["vocab"], cfg["embDim"]
        hidden, tower = list(cfg["expertHidden"]), list(cfg["towerHidden"])
        width = self.F * self.k
        self.emb = nn.Embedding(self.F * self.V, self.k)
        self.shared = mlp([width] + hidden)
        self.experts = nn.ModuleList(mlp([width] + hidden) for _ in range(self.T))
        self.gates = nn.ModuleList(nn.Linear(width, 2, bias=False) for _ in range(self.T))
        self.towers = nn.ModuleList(
            nn.Sequential(mlp([hidden[-1]] + tower), nn.Linear(([hidden[-1]] + tower)[-1], 1)) for _ in range(self.T)
        )
        self.init_like_mtlkit()

    def init_like_mtlkit(self):
        """ple-lite's scheme: Glorot-uniform weights, zero biases, N(0, 0.01) embeddings."""
        nn.init.normal_(self.emb.weight, 0.0, 0.01)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def rows(self, cat):
        """Global table rows [B, F] from mtlkit's per-field ids [B, F]."""
        ids = torch.as_tensor(cat, dtype=torch.int64).reshape(-1, self.F)
        ids = torch.where((ids > 0) & (ids < self.V), ids, torch.zeros_like(ids))
        return ids + torch.arange(self.F, dtype=torch.int64) * self.V

    def bottom(self, rows):
        e = self.emb(rows).reshape(rows.shape[0], self.F * self.k)
        return e, self.shared(e)

    def head(self, t, e, s):
        own = self.experts[t](e)
        w = torch.softmax(self.gates[t](e), dim=1)
        mixed = w[:, :1] * own + w[:, 1:] * s
        return self.towers[t](mixed).squeeze(1)

    def losses(self, rows, ys, e=None, s=None):
        if e is None:
            e, s = self.bottom(rows)
        return [F.binary_cross_entropy_with_logits(self.head(t, e, s), ys[t]) for t in range(self.T)]

    def shared_params(self):
        return [self.emb.weight] + list(self.shared.parameters())

    # ------------------------------------------------------------------ mtlkit's layout
    def by_mtlkit_name(self):
        """mtlkit parameter name -> (torch parameter, transposed?) for every dense parameter."""
        out = {}

        def linears(prefix, seq):
            for i, lin in enumerate(m for m in seq if isinstance(m, nn.Linear)):
                name = f"{prefix}.{i}"
                out[f"{name}.weight"] = (lin.weight, True)
                if lin.bias is not None:
                    out[f"{name}.bias"] = (lin.bias, False)

        linears("ple.l0.shared0", self.shared)
        for t in range(self.T):
            linears(f"ple.l0.task{t}.expert0", self.experts[t])
            out[f"ple.l0.task{t}.gate.linear.weight"] = (self.gates[t].weight, True)
            tower, logit = self.towers[t][0], self.towers[t][1]
            linears(f"ple.tower{t}", tower)
            out[f"ple.tower{t}.logit.weight"] = (logit.weight, True)
            out[f"ple.tower{t}.logit.bias"] = (logit.bias, False)
        return out

    def emb_offset(self, layout):
        """Offset of the joined table in mtlkit's store (asserting the fields are contiguous)."""
        at = {p["name"]: p["offset"] for p in layout}
        base = at["ple.emb.field0"]
        for f in range(self.F):
            if at[f"ple.emb.field{f}"] != base + f * self.V * self.k:
                raise ValueError(f"mtlkit's field tables are not contiguous at field {f}")
        return base

    def load_flat(self, flat, layout):
        names = self.by_mtlkit_name()
        base = self.emb_offset(layout)
        seen = 0
        with torch.no_grad():
            self.emb.weight.copy_(torch.from_numpy(flat[base:base + self.F * self.V * self.k]).reshape(-1, self.k))
            for p in layout:
                if p["name"].startswith("ple.emb.field"):
                    continue
                if p["name"] not in names:
                    raise KeyError(f"no PyTorch parameter for mtlkit's {p['name']}")
                tp, tr = names[p["name"]]
                src = torch.from_numpy(flat[p["offset"]:p["offset"] + int(np.prod(p["shape"]))]).reshape(p["shape"])
                tp.copy_(src.t() if tr else src)
                seen += 1
        if seen != len(names):
            raise ValueError(f"mtlkit's layout names {seen} of the {len(names)} PyTorch parameters")

    def grads_flat(self, layout, size, only=None, dtype=np.float32):
        """The .grad of every parameter (or those in `only`) in mtlkit's flat layout; zeros elsewhere."""
        out = np.zeros(size, dtype=dtype)
        names = self.by_mtlkit_name()
        keep = None if only is None else {id(p) for p in only}
        g = self.emb.weight.grad
        if g is not None and (keep is None or id(self.emb.weight) in keep):
            base = self.emb_offset(layout)
            out[base:base + g.numel()] = g.reshape(-1).numpy()
        for p in layout:
            if p["name"] not in names:
                continue
            tp, tr = names[p["name"]]
            if tp.grad is None or (keep is not None and id(tp) not in keep):
                continue
            gg = tp.grad.t() if tr else tp.grad
            out[p["offset"]:p["offset"] + gg.numel()] = gg.contiguous().reshape(-1).numpy()
        return out
