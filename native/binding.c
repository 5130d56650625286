/*
 * The Node-API face of the native matmul (C, no C++ wrapper). JavaScript passes the typed
 * arrays themselves: napi_get_typedarray_info gives the address of the first element for
 * views of ordinary ArrayBuffers and of SharedArrayBuffers (the wasm backend's memory) alike.
 * Every size is checked against the arrays here, so nothing is written out of bounds.
 *
 *   sgemm(a, b, c, m, k, n, transA, transB, accumulate, threads[, bias, relu, check, maskA, maskB,
 *     colsumB]): undefined, or with check true whether every element of C is finite after the call
 *     (bias: a Float32Array of n or null; relu: ReLU after the bias; maskA / maskB: Float32Arrays
 *     in A's / B's layout or null, the operand read through a ReLU mask; colsumB: n floats or
 *     null, op(B)'s column sums added; sgemm.h's mtlkit_sgemm_opts)
 *   sgemmBegin(same arguments): parts; sgemmPart(t); sgemmEnd(): with check, whether C is all
 *     finite, else true   (the split form, sgemm.h; end also after begin returned 0)
 *   sgemmNarrow(a, b, c, m, k, n, transA, transB, accumulate, r0, r1): rows r0 .. r1 of C with the
 *     wasm kernel sgemmSmall's bits, n <= 4 (narrow.h)
 *   sgemmBounds(m, threads, twoEnded): the blocks of rows a call of m rows is split into (their
 *     starts, then m), claimed from both ends (twoEnded: a call alone on two threads) or not
 *   gramRange(g, out, t, d, c0, c1): out (a Float64Array of t*t) = the Gram matrix of g's t rows
 *     of d floats over columns c0 .. c1, the wasm kernel gramRange's bits (gram.h)
 *   adamRuns(w, g, m, v, wAt, sAt, width, b1, b2, c1, c2, step, r, eps, q0, q1, zero): Adam over
 *     runs q0 .. q1 (wAt, sAt: Int32Arrays of element offsets into w / g and m / v), the wasm
 *     kernel adamRunsChunk32's bits, g's elements set to 0 after where zero is 1; adamSpan(w, g, m,
 *     v, b1, b2, c1, c2, step, r, eps, i0, i1, zero): elements i0 .. i1 of one run, adamSpan32's
 *     (adam.h)
 *   gatherAt(src, at, out, width, r0, r1), scatterAddAt(dst, at, src, count, width, lo, hi),
 *     scatterAt(dst, at, src, count, width): rows at Int32Array offsets, the wasm kernels
 *     gatherAt32 / scatterAddAt32 / scatterAt32's results (rows.h)
 *   claimSlots(slot, order, count, rows, start, stride, n, out): the rows not yet in a slot map
 *     appended to order, their slots claimed; returns the new count (rows.h); out may be null
 *   instance(): a number unique to this loaded copy of the addon
 *   wide([on]): whether calls take the 6x32 AVX-512 tile (the same bits as the 6x16 AVX2 one);
 *     with a boolean, turns it on (where the CPU has AVX-512F) or off first (sgemm.h)
 *   info(): { available, reason, microKernel, threads, kc, mc }
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adam.h"
#include "affinity.h"
#include "gram.h"
#include "narrow.h"
#include "pool.h"
#include "rows.h"
#include "sgemm.h"

#define CHECK(call) do { if ((call) != napi_ok) return NULL; } while (0)

static int cpu_ok = -1;

/* The export being called on this thread, for the argument helpers' messages (workers call
   exports concurrently, so one per thread). */
static _Thread_local const char *fn_name = "sgemm";

static int cpu(void) {
  if (cpu_ok < 0) cpu_ok = mtlkit_cpu_ok();
  return cpu_ok;
}

/* A typed array argument of type `want` (`what` names it): its data and length, or a TypeError
   naming the argument. */
static int typed_arg(napi_env env, napi_value v, const char *name, napi_typedarray_type want, const char *what, void **data,
                     size_t *length) {
  bool is_ta = false;
  napi_typedarray_type type;
  void *ptr = NULL;
  char msg[128];
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok) return 0;
  if (is_ta && napi_get_typedarray_info(env, v, &type, length, &ptr, NULL, NULL) != napi_ok) return 0;
  if (!is_ta || type != want) {
    snprintf(msg, sizeof msg, "mtlkit native %s: %s must be %s", fn_name, name, what);
    napi_throw_type_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return 0;
  }
  *data = ptr;
  return 1;
}

static int f32_arg(napi_env env, napi_value v, const char *name, float **data, size_t *length) {
  return typed_arg(env, v, name, napi_float32_array, "a Float32Array", (void **)data, length);
}

static int i32_arg(napi_env env, napi_value v, const char *name, int32_t **data, size_t *length) {
  return typed_arg(env, v, name, napi_int32_array, "an Int32Array", (void **)data, length);
}

/* A non-negative integer argument (a safe integer), or a TypeError / RangeError naming it. */
static int size_arg(napi_env env, napi_value v, const char *name, double min, size_t *out) {
  napi_valuetype t;
  double d;
  char msg[128];
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (t != napi_number) {
    snprintf(msg, sizeof msg, "mtlkit native %s: %s must be a number", fn_name, name);
    napi_throw_type_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return 0;
  }
  if (napi_get_value_double(env, v, &d) != napi_ok) return 0;
  if (!(d >= min) || d > 9007199254740991.0 || d != (double)(long long)d) {
    snprintf(msg, sizeof msg, "mtlkit native %s: %s must be an integer >= %.0f, got %g", fn_name, name, min, d);
    napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return 0;
  }
  *out = (size_t)d;
  return 1;
}

static int bool_arg(napi_env env, napi_value v, int *out) {
  napi_value b;
  bool r;
  if (napi_coerce_to_bool(env, v, &b) != napi_ok || napi_get_value_bool(env, b, &r) != napi_ok) return 0;
  *out = r ? 1 : 0;
  return 1;
}

/* `have` elements in `name`, at least rows * cols wanted; else a RangeError naming both. */
static int fits(napi_env env, const char *name, size_t have, size_t rows, size_t cols, const char *dims) {
  char msg[192];
  if (cols != 0 && rows > (size_t)-1 / cols) {
    snprintf(msg, sizeof msg, "mtlkit native %s: %s overflows", fn_name, dims);
    napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return 0;
  }
  if (have < rows * cols) {
    snprintf(msg, sizeof msg, "mtlkit native %s: %s has %zu elements, %s = %zu needed", fn_name, name, have, dims, rows * cols);
    napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return 0;
  }
  return 1;
}

/* The checked arguments of a matmul call (sgemm and sgemmBegin take the same). */
typedef struct {
  float *a, *b, *c;
  size_t m, k, n, threads;
  int ta, tb, acc;
  mtlkit_sgemm_opts o;
} call_t;

/* An optional Float32Array argument (null or undefined: none). */
static int opt_f32(napi_env env, napi_value v, const char *name, float **out, size_t *len) {
  napi_valuetype t;
  *out = NULL;
  *len = 0;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  return t == napi_null || t == napi_undefined || f32_arg(env, v, name, out, len);
}

static int untransposed(napi_env env, int transposed, const char *what) {
  if (!transposed) return 1;
  char msg[160];
  snprintf(msg, sizeof msg, "mtlkit native sgemm: %s needs its operand not transposed", what);
  napi_throw_type_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
  return 0;
}

/* A call's arguments into argv (up to `most`, *argc set to how many came), or a TypeError with
   the usage when fewer than `least` came, or an Error where the CPU cannot run the kernels. */
static int arguments(napi_env env, napi_callback_info info, const char *fn, const char *usage, size_t least, size_t most,
                     napi_value *argv, size_t *argc) {
  char msg[192];
  fn_name = fn;
  *argc = most;
  if (napi_get_cb_info(env, info, argc, argv, NULL, NULL) != napi_ok) return 0;
  if (*argc < least) {
    snprintf(msg, sizeof msg, "mtlkit native %s: expects (%s)", fn, usage);
    napi_throw_type_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return 0;
  }
  if (!cpu()) {
    snprintf(msg, sizeof msg, "mtlkit native %s: this CPU lacks AVX2 or FMA", fn);
    napi_throw_error(env, "ERR_MTLKIT_NATIVE_CPU", msg);
    return 0;
  }
  return 1;
}

#define CALL_USAGE "a, b, c, m, k, n, transA, transB, accumulate, threads"

/* One call's arguments from argv[0 .. argc) (sgemm's order: a, b, c, m, k, n, transA, transB,
   accumulate, threads, then bias, relu, check, maskA, maskB, colsumB, each optional). */
static int parse_call(napi_env env, napi_value *argv, size_t argc, call_t *x) {
  size_t la, lb, lc;
  if (!f32_arg(env, argv[0], "a", &x->a, &la) || !f32_arg(env, argv[1], "b", &x->b, &lb) || !f32_arg(env, argv[2], "c", &x->c, &lc))
    return 0;
  if (!size_arg(env, argv[3], "m", 0, &x->m) || !size_arg(env, argv[4], "k", 0, &x->k) || !size_arg(env, argv[5], "n", 0, &x->n))
    return 0;
  if (!bool_arg(env, argv[6], &x->ta) || !bool_arg(env, argv[7], &x->tb) || !bool_arg(env, argv[8], &x->acc)) return 0;
  if (!size_arg(env, argv[9], "threads", 1, &x->threads)) return 0;
  if (x->threads > 64) x->threads = 64;
  memset(&x->o, 0, sizeof x->o);
  float *bias = NULL, *mask_a = NULL, *mask_b = NULL;
  size_t lbias = 0, lma = 0, lmb = 0, lsum = 0;
  if (argc > 10 && !opt_f32(env, argv[10], "bias", &bias, &lbias)) return 0;
  if (argc > 11 && !bool_arg(env, argv[11], &x->o.relu)) return 0;
  if (argc > 12 && !bool_arg(env, argv[12], &x->o.check)) return 0;
  if (argc > 13 && !opt_f32(env, argv[13], "maskA", &mask_a, &lma)) return 0;
  if (argc > 14 && !opt_f32(env, argv[14], "maskB", &mask_b, &lmb)) return 0;
  if (argc > 15 && !opt_f32(env, argv[15], "colsumB", &x->o.colsum_b, &lsum)) return 0;
  x->o.bias = bias;
  x->o.mask_a = mask_a;
  x->o.mask_b = mask_b;
  if ((mask_a && !untransposed(env, x->ta, "maskA")) || (mask_b && !untransposed(env, x->tb, "maskB"))
      || (x->o.colsum_b && !untransposed(env, x->tb, "colsumB")))
    return 0;
  return fits(env, "a", la, x->m, x->k, "m*k") && fits(env, "b", lb, x->k, x->n, "k*n") && fits(env, "c", lc, x->m, x->n, "m*n")
    && (bias == NULL || fits(env, "bias", lbias, 1, x->n, "n")) && (mask_a == NULL || fits(env, "maskA", lma, x->m, x->k, "m*k"))
    && (mask_b == NULL || fits(env, "maskB", lmb, x->k, x->n, "k*n")) && (x->o.colsum_b == NULL || fits(env, "colsumB", lsum, 1, x->n, "n"));
}

static int call_args(napi_env env, napi_callback_info info, const char *fn, call_t *x) {
  size_t argc;
  napi_value argv[16];
  return arguments(env, info, fn, CALL_USAGE, 10, 16, argv, &argc) && parse_call(env, argv, argc, x);
}

/* A JS array of one call's arguments into argv (at most 16), or a TypeError naming `which`. */
static int call_array(napi_env env, napi_value v, const char *which, napi_value *argv, size_t *argc) {
  char msg[160];
  bool is_array = false;
  uint32_t len = 0;
  if (napi_is_array(env, v, &is_array) != napi_ok || !is_array || napi_get_array_length(env, v, &len) != napi_ok || len < 10 || len > 16) {
    snprintf(msg, sizeof msg, "mtlkit native %s: %s must be an array of 10 to 16 arguments (" CALL_USAGE ", ...)", fn_name, which);
    napi_throw_type_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return 0;
  }
  for (uint32_t i = 0; i < len; i++)
    if (napi_get_element(env, v, i, &argv[i]) != napi_ok) return 0;
  *argc = len;
  return 1;
}

static void out_of_memory(napi_env env) {
  napi_throw_error(env, "ERR_MTLKIT_NATIVE_MEMORY", "mtlkit native sgemm: could not allocate the packing buffers");
}

static napi_value boolean(napi_env env, int b);

static napi_value sgemm(napi_env env, napi_callback_info info) {
  call_t x;
  if (!call_args(env, info, "sgemm", &x)) return NULL;
  const int rc = mtlkit_sgemm(x.a, x.b, x.c, x.m, x.k, x.n, x.ta, x.tb, x.acc, &x.o, (int)x.threads);
  if (rc < 0) {
    out_of_memory(env);
    return NULL;
  }
  return x.o.check ? boolean(env, rc == 0) : NULL;
}

static napi_value num(napi_env env, double d);

/* sgemmBegin(same arguments as sgemm): the parts to run (0: C is final already). */
static napi_value sgemm_begin(napi_env env, napi_callback_info info) {
  call_t x;
  if (!call_args(env, info, "sgemmBegin", &x)) return NULL;
  const int parts = mtlkit_sgemm_begin(x.a, x.b, x.c, x.m, x.k, x.n, x.ta, x.tb, x.acc, &x.o, (int)x.threads);
  if (parts < 0) {
    out_of_memory(env);
    return NULL;
  }
  return num(env, parts);
}

/* A call's arrays by name, and whether it writes them. */
typedef struct {
  const char *name;
  const float *p;
  size_t n;
  int written;
} span_t;

static size_t spans(const call_t *x, span_t *out) {
  const span_t all[] = {{"c", x->c, x->m * x->n, 1}, {"colsumB", x->o.colsum_b, x->n, 1}, {"a", x->a, x->m * x->k, 0},
                        {"b", x->b, x->k * x->n, 0}, {"bias", x->o.bias, x->n, 0}, {"maskA", x->o.mask_a, x->m * x->k, 0},
                        {"maskB", x->o.mask_b, x->k * x->n, 0}};
  size_t count = 0;
  for (size_t i = 0; i < sizeof all / sizeof *all; i++)
    if (all[i].p != NULL && all[i].n > 0) out[count++] = all[i];
  return count;
}

/* The calls of sgemmPairBegin by position, as its messages name them. */
static const char *const call_names[4] = {"first", "second", "first's next", "second's next"};

/* The most calls one split call checks against each other: two stacks of MTLKIT_STACK_MAX. */
#define MOST_CALLS (2 * MTLKIT_STACK_MAX)

/* 1 when no call writes what another reads or writes (c and colsumB are written), call
   reads[w]'s a reading call w's c apart (reads[w] < 0: none may; reads NULL: none for any), else
   a RangeError from `fn` naming both arrays by their calls' `names`, and `why`. */
static int disjoint(napi_env env, const char *fn, const call_t *const *x, const char *const *names, const int *reads, size_t calls,
                    const char *why) {
  span_t s[MOST_CALLS][7];
  size_t count[MOST_CALLS];
  for (size_t w = 0; w < calls; w++) count[w] = spans(x[w], s[w]);
  for (size_t w = 0; w < calls; w++) {
    for (size_t i = 0; i < count[w]; i++) {
      if (!s[w][i].written) continue;
      for (size_t o = 0; o < calls; o++) {
        if (o == w) continue;
        for (size_t j = 0; j < count[o]; j++) {
          const span_t a = s[w][i], b = s[o][j];
          if (reads && reads[w] == (int)o && strcmp(b.name, "a") == 0) continue;
          if (a.p < b.p + b.n && b.p < a.p + a.n) {
            char msg[300];
            snprintf(msg, sizeof msg, "mtlkit native %s: the %s's %s overlaps the %s's %s (%s)", fn, names[w], a.name, names[o], b.name, why);
            napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
            return 0;
          }
        }
      }
    }
  }
  return 1;
}

static mtlkit_sgemm_call as_call(const call_t *x) {
  const mtlkit_sgemm_call c = {x->a, x->b, x->c, x->m, x->k, x->n, x->ta, x->tb, x->acc, x->o};
  return c;
}

/* How many calls the open pair has (sgemmPairEnd's answer has a bit for each). */
static size_t pair_calls = 2;

/* sgemmPairBegin([first call's arguments], [second's], [first's next]?, [second's next]?): two
   independent calls, or two chains of them, as one split call (sgemm.h's mtlkit_sgemm_chains),
   on the first's thread count; the parts to run (0: all final). A next call may be null (none).
   A RangeError when one call's output overlaps an array of another. */
static napi_value sgemm_pair_begin(napi_env env, napi_callback_info info) {
  size_t argc, n;
  napi_value argv[4], args[16];
  call_t x[4];
  char name[64];
#define PAIR_USAGE "[first call's arguments], [second call's arguments], [first's next]?, [second's next]?"
  if (!arguments(env, info, "sgemmPairBegin", PAIR_USAGE, 2, 4, argv, &argc)) return NULL;
  /* napi reports every argument given, though it fills argv with at most four. */
  if (argc > 4) {
    napi_throw_type_error(env, "ERR_MTLKIT_NATIVE_ARG", "mtlkit native sgemmPairBegin: expects (" PAIR_USAGE "), got more than four calls");
    return NULL;
  }
#undef PAIR_USAGE
  int present[4] = {1, 1, 0, 0};
  for (size_t i = 0; i < argc; i++) {
    napi_valuetype type;
    if (i >= 2) {
      if (napi_typeof(env, argv[i], &type) != napi_ok) return NULL;
      if (type == napi_null) continue;
      present[i] = 1;
    }
    /* Messages name the call: "sgemmPairBegin's second call: b has ...". */
    snprintf(name, sizeof name, "sgemmPairBegin's %s call", call_names[i]);
    fn_name = name;
    if (!call_array(env, argv[i], "it", args, &n) || !parse_call(env, args, n, &x[i])) {
      fn_name = "sgemmPairBegin";
      return NULL;
    }
  }
  fn_name = "sgemmPairBegin";
  const call_t *live[4];
  char names[4][24];
  const char *named[4];
  size_t count = 0;
  for (size_t i = 0; i < argc; i++) {
    if (!present[i]) continue;
    snprintf(names[count], sizeof names[count], "%s call", call_names[i]);
    named[count] = names[count];
    live[count++] = &x[i];
  }
  if (!disjoint(env, "sgemmPairBegin", live, named, NULL, count, "the calls run at once: none may write what another reads or writes"))
    return NULL;
  mtlkit_sgemm_call c[4];
  for (size_t i = 0; i < argc; i++)
    if (present[i]) c[i] = as_call(&x[i]);
  pair_calls = argc;
  const int parts = mtlkit_sgemm_begin_chains(&c[0], &c[1], present[2] ? &c[2] : NULL, present[3] ? &c[3] : NULL, (int)x[0].threads);
  if (parts < 0) {
    out_of_memory(env);
    return NULL;
  }
  return num(env, parts);
}

/* One stack's calls from a JS array of call arrays into x (its `which` names it in messages),
   checked to be a stack (sgemm.h's mtlkit_sgemm_stack_fault); 0 with the error thrown. */
static int parse_stack(napi_env env, napi_value v, const char *which, call_t *x, mtlkit_sgemm_call *c, uint32_t *layers) {
  char name[80], msg[300];
  bool is_array = false;
  if (napi_is_array(env, v, &is_array) != napi_ok || !is_array || napi_get_array_length(env, v, layers) != napi_ok
      || *layers < 1 || *layers > MTLKIT_STACK_MAX) {
    snprintf(msg, sizeof msg, "mtlkit native sgemmStackBegin: the %s stack must be an array of 1 to %d layers, each an array of sgemm's arguments", which, MTLKIT_STACK_MAX);
    napi_throw_type_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return 0;
  }
  for (uint32_t l = 0; l < *layers; l++) {
    napi_value e, args[16];
    size_t n;
    if (napi_get_element(env, v, l, &e) != napi_ok) return 0;
    snprintf(name, sizeof name, "sgemmStackBegin's %s stack's layer %u", which, l);
    fn_name = name;
    const int ok = call_array(env, e, "it", args, &n) && parse_call(env, args, n, &x[l]);
    fn_name = "sgemmStackBegin";
    if (!ok) return 0;
    c[l] = as_call(&x[l]);
  }
  int at = 0;
  const char *why = mtlkit_sgemm_stack_fault(c, (int)*layers, &at);
  if (why) {
    snprintf(msg, sizeof msg, "mtlkit native sgemmStackBegin: the %s stack's layer %d %s (a stack's layers are untransposed forwards, each reading the last one's output)", which, at, why);
    napi_throw_type_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return 0;
  }
  return 1;
}

/* sgemmStackBegin([[layer 0's call arguments], [layer 1's], ...], second stack?): one stack of
   Linear forwards, or two run side by side, as one split call (sgemm.h's
   mtlkit_sgemm_stacks_begin), on the first call's thread count; the parts to run. A TypeError
   when a stack is not one, a RangeError when a layer's output overlaps an array of another
   layer (of either stack) other than the next layer's input. */
static napi_value sgemm_stack_begin(napi_env env, napi_callback_info info) {
  size_t argc;
  napi_value argv[2];
  call_t x[2][MTLKIT_STACK_MAX];
  mtlkit_sgemm_call c[2][MTLKIT_STACK_MAX];
  uint32_t layers[2] = {0, 0};
  static const char *const which[2] = {"first", "second"};
  if (!arguments(env, info, "sgemmStackBegin", "[layer calls], [layer calls]?", 1, 2, argv, &argc)) return NULL;
  size_t count = 1;
  if (argc > 1) {
    napi_valuetype type;
    if (napi_typeof(env, argv[1], &type) != napi_ok) return NULL;
    if (type != napi_null && type != napi_undefined) count = 2;
  }
  /* Every layer of both stacks, each named, and which one may read its output (the next). */
  const call_t *all[MOST_CALLS];
  char names[MOST_CALLS][32];
  const char *named[MOST_CALLS];
  int reads[MOST_CALLS];
  size_t calls = 0;
  for (size_t q = 0; q < count; q++) {
    if (!parse_stack(env, argv[q], which[q], x[q], c[q], &layers[q])) return NULL;
    for (uint32_t l = 0; l < layers[q]; l++, calls++) {
      snprintf(names[calls], sizeof names[calls], "%s stack's layer %u", which[q], l);
      named[calls] = names[calls];
      all[calls] = &x[q][l];
      reads[calls] = l + 1 < layers[q] ? (int)calls + 1 : -1;
    }
  }
  if (!disjoint(env, "sgemmStackBegin", all, named, reads, calls, "only the next layer may read a layer's output, as its a")) return NULL;
  pair_calls = layers[0] + layers[1];
  const int parts = mtlkit_sgemm_stacks_begin(c[0], (int)layers[0], count > 1 ? c[1] : NULL, (int)layers[1], (int)x[0][0].threads);
  if (parts < 0) {
    out_of_memory(env);
    return NULL;
  }
  return num(env, parts);
}

/* sgemmPart(t): runs part t of the open call; any thread that loaded the addon may call it. */
static napi_value sgemm_part(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  size_t t;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !size_arg(env, argv[0], "part", 0, &t)) {
    if (argc < 1) napi_throw_type_error(env, "ERR_MTLKIT_NATIVE_ARG", "mtlkit native sgemmPart: expects (part)");
    return NULL;
  }
  if (t > 64 || mtlkit_sgemm_part((int)t) != 0) {
    napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", "mtlkit native sgemmPart: no open call (sgemmBegin) has this part");
  }
  return NULL;
}

/* instance(): a number unique to this loaded copy of the addon (the address of one of its
   statics), so a thread can tell it shares the copy, and with it the open call, of another. */
static char instance_tag;
static napi_value instance(napi_env env, napi_callback_info info) {
  (void)info;
  return num(env, (double)(uintptr_t)&instance_tag);
}

/* sgemmEnd(): closes the open call (after every part returned); whether C is all finite (true
   when the call did not check). */
static napi_value sgemm_end(napi_env env, napi_callback_info info) {
  (void)info;
  return boolean(env, !mtlkit_sgemm_end());
}

/* sgemmPairEnd(): closes the open pair (after every part returned): bit i set when the i-th
   call's C (first, second, first's next, second's next) is all finite, it did not check, or it
   was null. */
static napi_value sgemm_pair_end(napi_env env, napi_callback_info info) {
  (void)info;
  return num(env, ((1 << pair_calls) - 1) & ~mtlkit_sgemm_end());
}

/* sgemmNarrow(a, b, c, m, k, n, transA, transB, accumulate, r0, r1): sizes checked, then narrow.h. */
static napi_value sgemm_narrow(napi_env env, napi_callback_info info) {
  size_t argc;
  napi_value argv[11];
  float *a, *b, *c;
  size_t la, lb, lc, m, k, n, r0, r1;
  int ta, tb, acc;
  if (!arguments(env, info, "sgemmNarrow", "a, b, c, m, k, n, transA, transB, accumulate, r0, r1", 11, 11, argv, &argc)) return NULL;
  if (!f32_arg(env, argv[0], "a", &a, &la) || !f32_arg(env, argv[1], "b", &b, &lb) || !f32_arg(env, argv[2], "c", &c, &lc)) return NULL;
  if (!size_arg(env, argv[3], "m", 0, &m) || !size_arg(env, argv[4], "k", 0, &k) || !size_arg(env, argv[5], "n", 0, &n)) return NULL;
  if (!bool_arg(env, argv[6], &ta) || !bool_arg(env, argv[7], &tb) || !bool_arg(env, argv[8], &acc)) return NULL;
  if (!size_arg(env, argv[9], "r0", 0, &r0) || !size_arg(env, argv[10], "r1", 0, &r1)) return NULL;
  if (n > 4) {
    napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", "mtlkit native sgemmNarrow: n must be at most 4 (use sgemm)");
    return NULL;
  }
  if (r0 > r1 || r1 > m) {
    napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", "mtlkit native sgemmNarrow: needs r0 <= r1 <= m");
    return NULL;
  }
  if (!fits(env, "a", la, m, k, "m*k") || !fits(env, "b", lb, k, n, "k*n") || !fits(env, "c", lc, m, n, "m*n")) return NULL;
  if (mtlkit_sgemm_narrow(a, b, c, m, k, n, ta, tb, acc, r0, r1) < 0) {
    napi_throw_error(env, "ERR_MTLKIT_NATIVE_MEMORY", "mtlkit native sgemmNarrow: could not allocate the transposed copy of B");
  }
  return NULL;
}

/* gramRange(g, out, t, d, c0, c1): checks every size against the arrays, then gram.h's sums. */
static napi_value gram_range(napi_env env, napi_callback_info info) {
  size_t argc;
  napi_value argv[6];
  float *g;
  double *out;
  size_t lg, lout, t, d, c0, c1;
  char msg[192];
  if (!arguments(env, info, "gramRange", "g, out, t, d, c0, c1", 6, 6, argv, &argc)) return NULL;
  if (!f32_arg(env, argv[0], "g", &g, &lg) || !typed_arg(env, argv[1], "out", napi_float64_array, "a Float64Array", (void **)&out, &lout))
    return NULL;
  if (!size_arg(env, argv[2], "t", 0, &t) || !size_arg(env, argv[3], "d", 0, &d) || !size_arg(env, argv[4], "c0", 0, &c0)
      || !size_arg(env, argv[5], "c1", 0, &c1))
    return NULL;
  if ((d != 0 && t > (size_t)-1 / d) || t > 65535) {
    napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", "mtlkit native gramRange: t*d overflows, or t is over 65535");
    return NULL;
  }
  if (lg < t * d || lout < t * t || c0 > c1 || c1 > d) {
    snprintf(msg, sizeof msg, "mtlkit native gramRange: needs g of t*d = %zu (has %zu), out of t*t = %zu (has %zu), c0 <= c1 <= d (%zu, %zu, %zu)",
             t * d, lg, t * t, lout, c0, c1, d);
    napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return NULL;
  }
  mtlkit_gram32_range(g, out, t, d, c0, c1);
  return NULL;
}

/* Adam's seven scalars (b1, b2, c1, c2, step, r, eps) from argv, each a number, and `zero`
   (0 or 1) from zv. */
static int adam_scalars(napi_env env, napi_value *argv, napi_value zv, mtlkit_adam_h *h) {
  static const char *names[7] = {"b1", "b2", "c1", "c2", "step", "r", "eps"};
  double *at[7] = {&h->b1, &h->b2, &h->c1, &h->c2, &h->step, &h->r, &h->eps};
  char msg[128];
  for (int i = 0; i < 7; i++) {
    napi_valuetype t;
    if (napi_typeof(env, argv[i], &t) != napi_ok) return 0;
    if (t != napi_number) {
      snprintf(msg, sizeof msg, "mtlkit native %s: %s must be a number", fn_name, names[i]);
      napi_throw_type_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
      return 0;
    }
    if (napi_get_value_double(env, argv[i], at[i]) != napi_ok) return 0;
  }
  size_t zero;
  if (!size_arg(env, zv, "zero", 0, &zero)) return 0;
  if (zero > 1) {
    snprintf(msg, sizeof msg, "mtlkit native %s: zero must be 0 or 1, got %zu", fn_name, zero);
    napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return 0;
  }
  h->zero = (int)zero;
  return 1;
}

/* adamRuns(w, g, m, v, wAt, sAt, width, b1, b2, c1, c2, step, r, eps, q0, q1, zero): every run's
   offsets checked against the arrays first, then adam.h's update (the wasm kernel
   adamRunsChunk32's arguments, with arrays for addresses). */
static napi_value adam_runs(napi_env env, napi_callback_info info) {
  size_t argc, lw, lg, lm, lv, lwa, lsa, width, q0, q1;
  napi_value argv[17];
  float *w, *g, *m, *v;
  int32_t *wAt, *sAt;
  mtlkit_adam_h h;
  char msg[192];
  if (!arguments(env, info, "adamRuns", "w, g, m, v, wAt, sAt, width, b1, b2, c1, c2, step, r, eps, q0, q1, zero", 17, 17, argv, &argc)) return NULL;
  if (!f32_arg(env, argv[0], "w", &w, &lw) || !f32_arg(env, argv[1], "g", &g, &lg) || !f32_arg(env, argv[2], "m", &m, &lm)
      || !f32_arg(env, argv[3], "v", &v, &lv) || !i32_arg(env, argv[4], "wAt", &wAt, &lwa) || !i32_arg(env, argv[5], "sAt", &sAt, &lsa)
      || !size_arg(env, argv[6], "width", 0, &width) || !adam_scalars(env, argv + 7, argv[16], &h) || !size_arg(env, argv[14], "q0", 0, &q0)
      || !size_arg(env, argv[15], "q1", 0, &q1))
    return NULL;
  if (q0 > q1 || q1 > lwa || q1 > lsa) {
    snprintf(msg, sizeof msg, "mtlkit native adamRuns: needs q0 <= q1 <= the offsets' lengths (%zu, %zu; wAt %zu, sAt %zu)", q0, q1, lwa, lsa);
    napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return NULL;
  }
  const size_t wlim = lw < lg ? lw : lg, slim = lm < lv ? lm : lv;
  for (size_t q = q0; q < q1; q++) {
    const int64_t wa = wAt[q], sa = sAt[q];
    if (wa < 0 || sa < 0 || (size_t)wa > wlim || width > wlim - (size_t)wa || (size_t)sa > slim || width > slim - (size_t)sa) {
      snprintf(msg, sizeof msg, "mtlkit native adamRuns: run %zu (w at %lld, moments at %lld, width %zu) is outside w / g (%zu) or m / v (%zu)",
               q, (long long)wa, (long long)sa, width, wlim, slim);
      napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
      return NULL;
    }
  }
  mtlkit_adam_runs32(w, g, m, v, wAt, sAt, width, &h, q0, q1);
  return NULL;
}

/* adamSpan(w, g, m, v, b1, b2, c1, c2, step, r, eps, i0, i1, zero): elements i0 .. i1 of one run
   (the wasm kernel adamSpan32's). */
static napi_value adam_span(napi_env env, napi_callback_info info) {
  size_t argc, lw, lg, lm, lv, i0, i1;
  napi_value argv[14];
  float *w, *g, *m, *v;
  mtlkit_adam_h h;
  char msg[160];
  if (!arguments(env, info, "adamSpan", "w, g, m, v, b1, b2, c1, c2, step, r, eps, i0, i1, zero", 14, 14, argv, &argc)) return NULL;
  if (!f32_arg(env, argv[0], "w", &w, &lw) || !f32_arg(env, argv[1], "g", &g, &lg) || !f32_arg(env, argv[2], "m", &m, &lm)
      || !f32_arg(env, argv[3], "v", &v, &lv) || !adam_scalars(env, argv + 4, argv[13], &h) || !size_arg(env, argv[11], "i0", 0, &i0)
      || !size_arg(env, argv[12], "i1", 0, &i1))
    return NULL;
  if (i0 > i1 || i1 > lw || i1 > lg || i1 > lm || i1 > lv) {
    snprintf(msg, sizeof msg, "mtlkit native adamSpan: needs i0 <= i1 <= every array's length (%zu, %zu; w %zu, g %zu, m %zu, v %zu)", i0, i1, lw, lg, lm, lv);
    napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return NULL;
  }
  mtlkit_adam_span32(w, g, m, v, &h, i0, i1);
  return NULL;
}

/* Whether rows r0 .. r1 of `at` each name width elements inside an array of `len`; else a
   RangeError naming the first that does not. */
static int rows_inside(napi_env env, const int32_t *at, size_t r0, size_t r1, size_t width, size_t len, const char *array) {
  char msg[192];
  for (size_t r = r0; r < r1; r++) {
    if (at[r] < 0 || (size_t)at[r] > len || width > len - (size_t)at[r]) {
      snprintf(msg, sizeof msg, "mtlkit native %s: row %zu (at %lld, width %zu) is outside %s (%zu elements)", fn_name, r, (long long)at[r], width,
               array, len);
      napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
      return 0;
    }
  }
  return 1;
}

/* gatherAt(src, at, out, width, r0, r1): rows r0 .. r1 of out from src at at[r] (the wasm kernel
   gatherAt32's; rows.h). */
static napi_value gather_at(napi_env env, napi_callback_info info) {
  size_t argc, lsrc, lat, lout, width, r0, r1;
  napi_value argv[6];
  float *src, *out;
  int32_t *at;
  char msg[160];
  if (!arguments(env, info, "gatherAt", "src, at, out, width, r0, r1", 6, 6, argv, &argc)) return NULL;
  if (!f32_arg(env, argv[0], "src", &src, &lsrc) || !i32_arg(env, argv[1], "at", &at, &lat) || !f32_arg(env, argv[2], "out", &out, &lout)
      || !size_arg(env, argv[3], "width", 0, &width) || !size_arg(env, argv[4], "r0", 0, &r0) || !size_arg(env, argv[5], "r1", 0, &r1))
    return NULL;
  if (r0 > r1 || r1 > lat) {
    snprintf(msg, sizeof msg, "mtlkit native gatherAt: needs r0 <= r1 <= at's length (%zu, %zu; at %zu)", r0, r1, lat);
    napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return NULL;
  }
  if (!fits(env, "out", lout, r1, width, "r1*width") || !rows_inside(env, at, r0, r1, width, lsrc, "src")) return NULL;
  mtlkit_gather_rows32(src, at, out, width, r0, r1);
  return NULL;
}

/* The arguments scatterAddAt and scatterAt share: dst, at, src, count, width. */
static int scatter_args(napi_env env, napi_value *argv, float **dst, int32_t **at, float **src, size_t *count, size_t *width) {
  size_t ldst, lat, lsrc;
  char msg[160];
  if (!f32_arg(env, argv[0], "dst", dst, &ldst) || !i32_arg(env, argv[1], "at", at, &lat) || !f32_arg(env, argv[2], "src", src, &lsrc)
      || !size_arg(env, argv[3], "count", 0, count) || !size_arg(env, argv[4], "width", 0, width))
    return 0;
  if (*count > lat) {
    snprintf(msg, sizeof msg, "mtlkit native %s: count %zu is over at's length %zu", fn_name, *count, lat);
    napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return 0;
  }
  return fits(env, "src", lsrc, *count, *width, "count*width") && rows_inside(env, *at, 0, *count, *width, ldst, "dst");
}

/* scatterAddAt(dst, at, src, count, width, lo, hi): the wasm kernel scatterAddAt32's sums over dst's elements [lo, hi) (rows.h). */
static napi_value scatter_add_at(napi_env env, napi_callback_info info) {
  size_t argc, count, width, lo, hi;
  napi_value argv[7];
  float *dst, *src;
  int32_t *at;
  if (!arguments(env, info, "scatterAddAt", "dst, at, src, count, width, lo, hi", 7, 7, argv, &argc)) return NULL;
  if (!scatter_args(env, argv, &dst, &at, &src, &count, &width) || !size_arg(env, argv[5], "lo", 0, &lo)
      || !size_arg(env, argv[6], "hi", 0, &hi))
    return NULL;
  if (lo > hi) {
    char msg[128];
    snprintf(msg, sizeof msg, "mtlkit native scatterAddAt: needs lo <= hi (%zu, %zu)", lo, hi);
    napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return NULL;
  }
  mtlkit_scatter_add_rows32(dst, at, src, count, width, lo, hi);
  return NULL;
}

/* scatterAt(dst, at, src, count, width): the wasm kernel scatterAt32's copies (rows.h). */
static napi_value scatter_at(napi_env env, napi_callback_info info) {
  size_t argc, count, width;
  napi_value argv[5];
  float *dst, *src;
  int32_t *at;
  if (!arguments(env, info, "scatterAt", "dst, at, src, count, width", 5, 5, argv, &argc)) return NULL;
  if (!scatter_args(env, argv, &dst, &at, &src, &count, &width)) return NULL;
  mtlkit_scatter_rows32(dst, at, src, count, width);
  return NULL;
}

/* claimSlots(slot, order, count, rows, start, stride, n, out): rows.h's mtlkit_claim_slots, every
   index checked first (each row inside slot, order's room for n more, out's for n). */
static napi_value claim_slots(napi_env env, napi_callback_info info) {
  size_t argc, lslot, lorder, lrows, lout = 0, count, start, stride, n;
  napi_value argv[8];
  int32_t *slot, *order, *rows, *out = NULL;
  char msg[192];
  napi_valuetype t;
  if (!arguments(env, info, "claimSlots", "slot, order, count, rows, start, stride, n, out", 8, 8, argv, &argc)) return NULL;
  if (!i32_arg(env, argv[0], "slot", &slot, &lslot) || !i32_arg(env, argv[1], "order", &order, &lorder)
      || !size_arg(env, argv[2], "count", 0, &count) || !i32_arg(env, argv[3], "rows", &rows, &lrows)
      || !size_arg(env, argv[4], "start", 0, &start) || !size_arg(env, argv[5], "stride", 0, &stride) || !size_arg(env, argv[6], "n", 0, &n))
    return NULL;
  CHECK(napi_typeof(env, argv[7], &t));
  if (t != napi_null && !i32_arg(env, argv[7], "out", &out, &lout)) return NULL;
  if (n > 0 && (start >= lrows || stride == 0 || (n - 1) > (lrows - 1 - start) / stride)) {
    snprintf(msg, sizeof msg, "mtlkit native claimSlots: rows (%zu) hold no %zu rows from %zu by %zu", lrows, n, start, stride);
    napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return NULL;
  }
  if (count > lorder || n > lorder - count || count >= (size_t)INT32_MAX - n) {
    snprintf(msg, sizeof msg, "mtlkit native claimSlots: order (%zu) has no room for %zu rows after %zu (it needs count + n)", lorder, n, count);
    napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return NULL;
  }
  if (out && lout < n) {
    snprintf(msg, sizeof msg, "mtlkit native claimSlots: out (%zu) is shorter than n (%zu)", lout, n);
    napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
    return NULL;
  }
  for (size_t i = 0, at = start; i < n; i++, at += stride) {
    if (rows[at] < 0 || (size_t)rows[at] >= lslot) {
      snprintf(msg, sizeof msg, "mtlkit native claimSlots: row %zu (%lld) is outside the slot map (%zu rows)", i, (long long)rows[at], lslot);
      napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", msg);
      return NULL;
    }
  }
  return num(env, (double)mtlkit_claim_slots(slot, order, count, rows, start, stride, n, out));
}

/* wide([on]): whether calls take the 6x32 tile, after turning it on or off when given. */
/* pinSelf(index) / pinPoster(index): the calling thread to the index-th allowed CPU; the CPU, or -1. */
static napi_value pin_with(napi_env env, napi_callback_info info, const char *fn, int (*pin)(int)) {
  napi_value argv[1];
  size_t argc, index;
  if (!arguments(env, info, fn, "index", 1, 1, argv, &argc) || !size_arg(env, argv[0], "index", 0, &index)) return NULL;
  return num(env, pin(index > 1 << 20 ? 1 << 20 : (int)index));
}
static napi_value pin_self(napi_env env, napi_callback_info info) { return pin_with(env, info, "pinSelf", mtlkit_pin_self); }
static napi_value pin_poster(napi_env env, napi_callback_info info) { return pin_with(env, info, "pinPoster", mtlkit_pin_poster); }

/* unpinPoster(): 0, or -1 where no posting thread was pinned. allowedCpus(): the process's CPUs (0: not known). */
static napi_value unpin_poster(napi_env env, napi_callback_info info) {
  (void)info;
  return num(env, mtlkit_unpin_poster());
}
static napi_value allowed_cpus(napi_env env, napi_callback_info info) {
  (void)info;
  return num(env, mtlkit_allowed_cpus());
}

/* sgemmBounds(m, threads, twoEnded): the blocks of rows a call of m rows is split into (its
   starts, then m), as a call on that many threads lays them out (sgemm.h mtlkit_sgemm_bounds). */
static napi_value sgemm_bounds(napi_env env, napi_callback_info info) {
  napi_value argv[3], arr;
  size_t argc, m, threads;
  int two = 0;
  if (!arguments(env, info, "sgemmBounds", "m, threads, twoEnded", 3, 3, argv, &argc) || !size_arg(env, argv[0], "m", 0, &m)
      || !size_arg(env, argv[1], "threads", 1, &threads) || !bool_arg(env, argv[2], &two))
    return NULL;
  if (m > ((size_t)1 << 30)) {
    napi_throw_range_error(env, "ERR_MTLKIT_NATIVE_ARG", "mtlkit native sgemmBounds: m must be at most 2^30");
    return NULL;
  }
  size_t *out = malloc(((m + MTLKIT_MR - 1) / MTLKIT_MR + 1) * sizeof(size_t));
  if (out == NULL) {
    napi_throw_error(env, "ERR_MTLKIT_NATIVE_MEMORY", "mtlkit native sgemmBounds: out of memory");
    return NULL;
  }
  const size_t units = mtlkit_sgemm_bounds(m, threads > INT_MAX ? INT_MAX : (int)threads, two, out);
  napi_status st = napi_create_array_with_length(env, units + 1, &arr);
  for (size_t u = 0; st == napi_ok && u <= units; u++) st = napi_set_element(env, arr, (uint32_t)u, num(env, (double)out[u]));
  free(out);
  return st == napi_ok ? arr : NULL;
}

static napi_value wide(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int want = -1;
  napi_valuetype t = napi_undefined;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc >= 1) CHECK(napi_typeof(env, argv[0], &t));
  if (t != napi_undefined) {
    if (t != napi_boolean) {
      napi_throw_type_error(env, "ERR_MTLKIT_NATIVE_ARG", "mtlkit native wide: on must be a boolean or left out");
      return NULL;
    }
    if (!bool_arg(env, argv[0], &want)) return NULL;
  }
  return boolean(env, mtlkit_sgemm_wide(want));
}

static napi_value boolean(napi_env env, int b) {
  napi_value v;
  return napi_get_boolean(env, b != 0, &v) == napi_ok ? v : NULL;
}

static napi_value str(napi_env env, const char *s) {
  napi_value v;
  return napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v) == napi_ok ? v : NULL;
}

static napi_value num(napi_env env, double d) {
  napi_value v;
  return napi_create_double(env, d, &v) == napi_ok ? v : NULL;
}

static napi_value info(napi_env env, napi_callback_info cbinfo) {
  (void)cbinfo;
  napi_value o, avail;
  CHECK(napi_create_object(env, &o));
  CHECK(napi_get_boolean(env, cpu(), &avail));
  CHECK(napi_set_named_property(env, o, "available", avail));
  CHECK(napi_set_named_property(env, o, "reason", str(env, cpu() ? "" : "this CPU lacks AVX2 or FMA")));
  CHECK(napi_set_named_property(env, o, "microKernel",
                                 str(env, cpu() && mtlkit_sgemm_wide(-1) ? "6x32 AVX-512 FMA (6x16 AVX2 FMA on a last odd panel)" : "6x16 AVX2 FMA")));
  CHECK(napi_set_named_property(env, o, "threads", str(env, mtlkit_threads_impl())));
  CHECK(napi_set_named_property(env, o, "kc", num(env, mtlkit_sgemm_kc())));
  CHECK(napi_set_named_property(env, o, "mc", num(env, mtlkit_sgemm_mc())));
  CHECK(napi_set_named_property(env, o, "mr", num(env, MTLKIT_MR)));
  return o;
}

/* The exports, by name: one list, the module's face. */
static const struct {
  const char *name;
  napi_callback fn;
} EXPORTS[] = {
  {"sgemm", sgemm},        {"sgemmBegin", sgemm_begin}, {"sgemmPart", sgemm_part}, {"sgemmEnd", sgemm_end},
  {"sgemmPairBegin", sgemm_pair_begin}, {"sgemmPairEnd", sgemm_pair_end},
  {"sgemmStackBegin", sgemm_stack_begin}, {"sgemmStackEnd", sgemm_pair_end},
  {"sgemmNarrow", sgemm_narrow}, {"sgemmBounds", sgemm_bounds}, {"gramRange", gram_range}, {"adamRuns", adam_runs}, {"adamSpan", adam_span},
  {"gatherAt", gather_at}, {"scatterAddAt", scatter_add_at}, {"scatterAt", scatter_at}, {"claimSlots", claim_slots},
  {"instance", instance}, {"wide", wide}, {"info", info},
  {"pinSelf", pin_self}, {"pinPoster", pin_poster}, {"unpinPoster", unpin_poster}, {"allowedCpus", allowed_cpus},
};

NAPI_MODULE_INIT() {
  for (size_t i = 0; i < sizeof EXPORTS / sizeof *EXPORTS; i++) {
    napi_value f;
    if (napi_create_function(env, EXPORTS[i].name, NAPI_AUTO_LENGTH, EXPORTS[i].fn, NULL, &f) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, EXPORTS[i].name, f) != napi_ok) return NULL;
  }
  return exports;
}
