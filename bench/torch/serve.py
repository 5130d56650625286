"""PyTorch's side of bench/compare-torch.ts: a child process driven one command per line.

stdin: one JSON command per line; stdout: one JSON answer per line (nothing else is printed
there). Bulk data travels as raw files in the folder `load` names, written by the TS side:
model.json (config, mtlkit's parameter layout, batch count), weights.f32 (mtlkit's flat
store), batch<i>.cat.i32 ([B, F] ids), batch<i>.labels.f32 ([B, T] row-major).

Commands: load {dir, threads}; threads {n}; check {batch, dtype} (writes grad files, answers
the losses); step {mode, batch} (answers the step's ms, timed here so the pipe is not in it);
after {mode, batch, ms, slice} (one step, then this process's CPU time in each `slice` ms of
the `ms` that follow, while this thread sleeps: what its thread pool keeps spinning); rss; quit.
"""
import copy
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

    def check(self, i, dtype="float32"):
        """Gradients of the same-work check, before any update, written as torch.<what>.f32 (or
        .f64: a float64 copy of the model, so that rounding cannot move a ReLU across its kink);
        answers the losses and leaves no state behind."""
        wide = dtype == "float64"
        m = copy.deepcopy(self.model).double() if wide else self.model
        rows, ys = self.rows[i], ([y.double() for y in self.ys[i]] if wide else self.ys[i])
        ext, out = ("f64", np.float64) if wide else ("f32", np.float32)
        before = torch.get_default_dtype()
        torch.set_default_dtype(torch.float64 if wide else torch.float32)  # the steps' T x d buffers

        def write(name, only=None):
            m.grads_flat(self.layout, self.size, only, out).tofile(os.path.join(self.folder, f"torch.{name}.{ext}"))

        try:
            with torch.no_grad():
                losses = [float(x) for x in m.losses(rows, ys)]
            m.zero_grad()
            ew_grads(m, rows, ys)
            write("sum")
            shared = m.shared_params()
            for t in range(m.T):
                m.zero_grad()
                m.losses(rows, ys)[t].backward()
                write(f"task{t}", shared)
            m.zero_grad()
            param_grads(m, rows, ys)
            write("param")
            m.zero_grad()
            rep_grads(m, rows, ys, MultiBalance())
            write("rep")
        finally:
            torch.set_default_dtype(before)
            m.zero_grad()
        return losses


def cpu_after(ms, slice_ms):
    """This process's CPU ms (every thread's) in each slice of `ms` ms of wall time while this
    thread sleeps."""
    out, cpu, end = [], time.process_time(), time.perf_counter() + ms / 1e3
    while time.perf_counter() < end:
        time.sleep(slice_ms / 1e3)
        now = time.process_time()
        out.append((now - cpu) * 1e3)
        cpu = now
    return out


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
                answer({"losses": side.check(int(cmd["batch"]), cmd.get("dtype", "float32"))})
            elif op == "step":
                answer({"ms": side.step(cmd["mode"], int(cmd["batch"]))})
            elif op == "after":
                side.step(cmd["mode"], int(cmd["batch"]))
                answer({"cpu_ms": cpu_after(float(cmd["ms"]), float(cmd["slice"]))})
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
