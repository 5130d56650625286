/*
 * Kernel threads on CPUs of their own (Linux). On a small VM the scheduler can leave the
 * thread that posts kernels and a kernel thread on one vCPU for milliseconds, each waiting for
 * the other while the second vCPU idles (docs/speed.md, twenty-seventh session). The pool's
 * threads then keep to distinct CPUs of the process's allowed set: each kernel thread for good,
 * the posting thread only while kernels run (a kernel thread that goes idle gives it back its
 * own set, so what the posting thread starts between bursts keeps every CPU).
 */
#ifndef MTLKIT_AFFINITY_H
#define MTLKIT_AFFINITY_H

/* How many CPUs the process may run on (its set when first asked), or 0 where not known. */
int mtlkit_allowed_cpus(void);

/* Keeps the calling thread to the index-th CPU of that set (mod its size); returns the CPU, or
   -1 where it cannot. */
int mtlkit_pin_self(int index);

/* The calling thread (the one that posts kernels) to the index-th CPU, its own set kept to give
   back; returns the CPU, or -1. A process forked meanwhile (Node's spawn forks) gets that set
   back in its first instructions: no child inherits the pin. */
int mtlkit_pin_poster(int index);

/* Gives the posting thread pinned last its own set back, from any thread; 0, or -1 where none
   is pinned or the call failed. */
int mtlkit_unpin_poster(void);

#endif
