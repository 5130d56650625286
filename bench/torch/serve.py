"""PyTorch's side of bench/compare-torch.ts: a child process driven one command per line.

stdin: one JSON command per line; stdout: one JSON answer per line (nothing else is printed
there). Bulk data travels as raw files in the folder `load` names, written by the TS side:
model.json (config, mtlkit's parameter layout, batch count), weights.f32 (mtlkit's flat
store), batch<i>.cat.i32 ([B, F] ids), batch<i>.labels.f32 ([B, T] row-major).

Commands: load {dir, threads}; threads {n}; check {batch} (writes grad files, answers the
losses); step {mode, batch} (answers the step's ms, timed here so the pipe is not in it);
rss; quit.
"""
import json
import os
import resource
import sys
import time

import numpy as np
import torch

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
from combine import MultiBalance
from ple_lite import PleLite
from steps import ew_grads, param_grads, rep_grads


class Side:
    def __init__(self, folder):
        with open(os.path.join(folder, "model.json")) as fh:
            meta = json.load(fh)
        self.folder, self.layout, self.size = folder, meta["layout"], meta["size"]
        cfg, B, T = meta["config"], meta["batch"], meta["config"]["tasks"]
        self.model = PleLite(cfg)
        self.model.load_flat(np.fromfile(os.path.join(folder, "weights.f32"), dtype=np.float32), self.layout)
        self.rows, self.ys = [], []
        for i in range(meta["batches"]):
            cat = np.fromfile(os.path.join(folder, f"batch{i}.cat.i32"), dtype=np.int32)
            lab = torch.from_numpy(np.fromfile(os.path.join(folder, f"batch{i}.labels.f32"), dtype=np.float32)).reshape(B, T)
            self.rows.append(self.model.rows(cat))
            self.ys.append([lab[:, t].contiguous() for t in range(T)])
        self.make_optimizer()

    def make_optimizer(self):
        # mtlkit's Adam: lr 1e-3, betas (0.9, 0.999), eps 1e-8 outside the square root.
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
        self.mb = MultiBalance()

    def grads(self, mode, i):
        self.opt.zero_grad()
        rows, ys = self.rows[i], self.ys[i]
        if mode == "ew":
            ew_grads(self.model, rows, ys)
        elif mode == "param":
            param_grads(self.model, rows, ys)
        elif mode == "rep":
            rep_grads(self.model, rows, ys, self.mb)
        else:
            raise ValueError(f"unknown mode {mode!r} (have ew, param, rep)")

    def step(self, mode, i):
        a = time.perf_counter()
        self.grads(mode, i)
        self.opt.step()
        return (time.perf_counter() - a) * 1e3

    def write(self, name, only=None):
        self.model.grads_flat(self.layout, self.size, only).tofile(os.path.join(self.folder, name))

    def check(self, i):
        """Gradients of the same-work check, before any update; leaves no state behind."""
        m = self.model
        with torch.no_grad():
            losses = [float(x) for x in m.losses(self.rows[i], self.ys[i])]
        self.grads("ew", i)
        self.write("torch.sum.f32")
        shared = m.shared_params()
        for t in range(m.T):
            self.opt.zero_grad()
            m.losses(self.rows[i], self.ys[i])[t].backward()
            self.write(f"torch.task{t}.f32", shared)
        self.grads("param", i)
        self.write("torch.param.f32")
        self.grads("rep", i)
        self.write("torch.rep.f32")
        self.opt.zero_grad()
        self.mb.reset()
        return losses


def answer(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    side = None
    answer({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()})
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            cmd = json.loads(line)
            op = cmd["cmd"]
            if op == "load":
                torch.set_num_threads(int(cmd.get("threads", torch.get_num_threads())))
                side = Side(cmd["dir"])
                answer({"ok": True, "threads": torch.get_num_threads()})
            elif op == "threads":
                torch.set_num_threads(int(cmd["n"]))
                answer({"threads": torch.get_num_threads()})
            elif op == "check":
                answer({"losses": side.check(int(cmd["batch"]))})
            elif op == "step":
                answer({"ms": side.step(cmd["mode"], int(cmd["batch"]))})
            elif op == "rss":
                answer({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
            elif op == "quit":
                answer({"bye": True})
                return
            else:
                answer({"error": f"unknown command {op!r}"})
        except Exception as exc:  # the driver shows the error; the child stays up for the next command
            answer({"error": f"{type(exc).__name__}: {exc}"})


if __name__ == "__main__":
    main()
