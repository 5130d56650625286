/*
 * PLE-lite's seven expert stacks (batch 2048, 320 -> 256 -> 128 -> 64, ReLU after each layer,
 * biases) forward and backward on the native matmul, operands warm from the layer before as in
 * the step (the 64 MB flush only between rounds). Two orders, interleaved round by round:
 *   layers split: as the step runs them, expert after expert, every call split across the
 *     threads (a layer's backward as one pair, dW with dx);
 *   experts paired: two experts side by side, each call of a pair started by its own thread
 *     (layer l of experts e and e + 1 forward; in the backward one chain per expert, its dW then
 *     its dx, as the step's linearReluBackwardPair runs them), the odd expert as above.
 * Experts paired is what the step could gain by running two experts at once instead of
 * splitting each call: the same calls, each C with its own call's bits (checked: every output
 * of one order against the other's). Each expert's input gradient goes to its own buffer here
 * (in the step the seven add into one, which a pair cannot share).
 *
 *   cc -O3 -pthread -std=c11 -D_GNU_SOURCE -Inative native/sgemm.c native/narrow.c native/pool.c bench/native/chain-bench.c -lm -o /tmp/chain-bench
 *   /tmp/chain-bench THREADS [SECONDS]      e.g. /tmp/chain-bench 2 6
 */
#include "sgemm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "experts.h"

#define B 2048
#define E 7
#define L 3
#define FLUSH (64u << 20)

static const size_t W[L + 1] = {320, 256, 128, 64};
static float *x, *w[E][L], *bias[E][L], *y[E][L], *g[E][L + 1], *dw[E][L], *db[E][L], *dx0[E];

static const float *in_of(int e, int l) { return l ? y[e][l - 1] : x; }

static mtlkit_sgemm_call forward(int e, int l) {
  mtlkit_sgemm_call c = {in_of(e, l), w[e][l], y[e][l], B, W[l], W[l + 1], 0, 0, 0, {0}};
  c.opts.bias = bias[e][l];
  c.opts.relu = 1;
  return c;
}

/* dW = in^T (g masked by y > 0), the bias gradient as its column sums. */
static mtlkit_sgemm_call weight_grad(int e, int l) {
  mtlkit_sgemm_call c = {in_of(e, l), g[e][l + 1], dw[e][l], W[l], B, W[l + 1], 1, 0, 0, {0}};
  c.opts.mask_b = y[e][l];
  c.opts.colsum_b = db[e][l];
  c.opts.check = 1;
  return c;
}

/* dx = (g masked) W^T: the layer below's output gradient, or the expert's input gradient. */
static mtlkit_sgemm_call input_grad(int e, int l) {
  mtlkit_sgemm_call c = {g[e][l + 1], w[e][l], l ? g[e][l] : dx0[e], B, W[l + 1], W[l], 0, 1, 0, {0}};
  c.opts.mask_a = y[e][l];
  c.opts.check = 1;
  return c;
}

/* A call's answer: -1 (a buffer could not be allocated) ends the bench. */
static void allocated(int answer) {
  if (answer < 0) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
}

static void pair(mtlkit_sgemm_call a, mtlkit_sgemm_call *b, int threads) {
  allocated(mtlkit_sgemm_pair(&a, b, threads));
}

static void split_forward(int threads) {
  for (int e = 0; e < E; e++)
    for (int l = 0; l < L; l++) pair(forward(e, l), NULL, threads);
}

static void split_backward(int e, int threads) {
  for (int l = L - 1; l >= 0; l--) {
    mtlkit_sgemm_call dx = input_grad(e, l);
    pair(weight_grad(e, l), &dx, threads);
  }
}

static void paired_forward(int threads) {
  for (int e = 0; e + 1 < E; e += 2)
    for (int l = 0; l < L; l++) {
      mtlkit_sgemm_call other = forward(e + 1, l);
      pair(forward(e, l), &other, threads);
    }
  if (E % 2)
    for (int l = 0; l < L; l++) pair(forward(E - 1, l), NULL, threads);
}

static void paired_backward(int threads) {
  if (E % 2) split_backward(E - 1, threads);
  for (int e = E - 1 - E % 2; e > 0; e -= 2)
    for (int l = L - 1; l >= 0; l--) {
      const mtlkit_sgemm_call w0 = weight_grad(e, l), w1 = weight_grad(e - 1, l), x0 = input_grad(e, l), x1 = input_grad(e - 1, l);
      allocated(mtlkit_sgemm_chains(&w0, &w1, &x0, &x1, threads));
    }
}

static void run(int paired, int threads) {
  if (paired) {
    paired_forward(threads);
    paired_backward(threads);
  } else {
    split_forward(threads);
    for (int e = E - 1; e >= 0; e--) split_backward(e, threads);
  }
}

/* Every output of the chain, one after the other (the bias gradients zeroed first: they add). */
static size_t outputs(float **parts, size_t *sizes) {
  size_t n = 0;
  for (int e = 0; e < E; e++) {
    parts[n] = dx0[e]; sizes[n++] = (size_t)B * W[0];
    for (int l = 0; l < L; l++) {
      parts[n] = y[e][l]; sizes[n++] = (size_t)B * W[l + 1];
      parts[n] = g[e][l]; sizes[n++] = l ? (size_t)B * W[l] : 0;
      parts[n] = dw[e][l]; sizes[n++] = W[l] * W[l + 1];
      parts[n] = db[e][l]; sizes[n++] = W[l + 1];
    }
  }
  return n;
}

static int same_bits(int threads) {
  float *parts[E * (1 + 4 * L)], *copy[E * (1 + 4 * L)];
  size_t sizes[E * (1 + 4 * L)];
  const size_t n = outputs(parts, sizes);
  for (int paired = 0; paired < 2; paired++) {
    for (int e = 0; e < E; e++)
      for (int l = 0; l < L; l++) memset(db[e][l], 0, W[l + 1] * sizeof(float));
    run(paired, threads);
    for (size_t i = 0; i < n; i++) {
      if (!paired) {
        copy[i] = malloc(sizes[i] * sizeof(float) + 1);
        if (!copy[i]) exit(1);
        memcpy(copy[i], parts[i], sizes[i] * sizeof(float));
      } else if (memcmp(copy[i], parts[i], sizes[i] * sizeof(float)) != 0) {
        return 0;
      }
    }
  }
  for (size_t i = 0; i < n; i++) free(copy[i]);
  return 1;
}

int main(int argc, char **argv) {
  int threads;
  double seconds;
  experts_args(argc, argv, &threads, &seconds);
  x = filled((size_t)B * W[0]);
  float *flush = filled(FLUSH / sizeof(float));
  for (int e = 0; e < E; e++) {
    dx0[e] = filled((size_t)B * W[0]);
    g[e][L] = filled((size_t)B * W[L]);
    for (int l = 0; l < L; l++) {
      w[e][l] = filled(W[l] * W[l + 1]);
      bias[e][l] = filled(W[l + 1]);
      y[e][l] = filled((size_t)B * W[l + 1]);
      g[e][l] = filled((size_t)B * W[l]);
      dw[e][l] = filled(W[l] * W[l + 1]);
      db[e][l] = calloc(W[l + 1], sizeof(float));
      if (!db[e][l]) return 1;
    }
  }
  const int same = same_bits(threads);
  double t[2][2] = {{0}};
  int rounds = 0;
  volatile float sink = 0;
  for (const double t0 = now(); rounds == 0 || now() - t0 < seconds; rounds++) {
    for (int paired = 0; paired < 2; paired++) {
      for (size_t i = 0; i < FLUSH / sizeof(float); i += 16) sink += flush[i];
      /* The embedding, written by the calling thread just before the experts read it. */
      for (size_t i = 0; i < (size_t)B * W[0]; i++) x[i] = x[i] * 0.5f + 0.25f;
      const double a = now();
      if (paired) paired_forward(threads); else split_forward(threads);
      const double b = now();
      if (paired) paired_backward(threads); else for (int e = E - 1; e >= 0; e--) split_backward(e, threads);
      const double c = now();
      t[paired][0] += b - a;
      t[paired][1] += c - b;
    }
  }
  for (int paired = 0; paired < 2; paired++)
    printf("%d thread(s), %s: forward %.2f ms, backward %.2f ms, all %.2f ms (mean of %d rounds)\n", threads,
           paired ? "experts paired" : "layers split  ", t[paired][0] / rounds * 1e3, t[paired][1] / rounds * 1e3,
           (t[paired][0] + t[paired][1]) / rounds * 1e3, rounds);
  printf("bits equal: %s\n", same ? "yes" : "no");
  return sink == 12345.0f;
}
