/*
 * seqlock.h - the sequence lock of the shared-memory segment.
 *
 * What it protects
 * ----------------
 * One section of the segment: a thread record, the overflow record, the
 * exited-thread totals, or the process-wide section.  Each section begins
 * with a 64-bit sequence word; the data it covers are the 64-bit words that
 * follow it in the section.  The sequence is even when the data are
 * consistent and odd while a writer is changing them.  It only ever grows.
 *
 * Who may write
 * -------------
 * Exactly one writer at a time, always in the owning process.  The
 * sequence lock itself does not exclude writers: a thread record is written
 * only by its thread (a record changes hands only through the process-local
 * free list, whose mutex orders one owner's last write before the next
 * owner's first); the overflow record, the exited totals and the process
 * section are written under a process-local mutex.  A writer never waits
 * for readers and never reads anything a reader writes: readers map the
 * segment read-only.
 *
 * Writer:
 *
 *     uint64_t s = slab_seq_write_begin(&sec->seq);
 *     slab_seq_store(&sec->field, value);          // relaxed, any number
 *     slab_seq_copy_in(sec->words, src, nbytes);   // relaxed, word by word
 *     slab_seq_write_end(&sec->seq, s);
 *
 * What a reader must do
 * ---------------------
 * Load the sequence with slab_seq_read_begin(); if it is odd a write is in
 * progress; copy the data out with relaxed loads (slab_seq_load,
 * slab_seq_copy_out) into private memory; then slab_seq_read_retry() tells
 * whether the copy may be torn.  Only a copy for which read_begin returned
 * an even value and read_retry returned false may be used; every other copy
 * is discarded, and the reader tries again a bounded number of times
 * (SLAB_SEQ_READ_TRIES, pausing and then yielding between tries, for at
 * most a few milliseconds) before calling the section busy.  Because a reader
 * gives up, a writer that died or stalls mid-write (sequence stuck odd)
 * cannot hang it.  Readers never spin on the sequence itself.
 *
 * Memory ordering
 * ---------------
 * This follows H.-J. Boehm, "Can seqlocks get along with programming
 * language memory models?" (MSPC 2012): every access to covered data is a
 * relaxed atomic, so a torn copy is a well-defined (discarded) value rather
 * than a data race, and two fences order the data against the sequence:
 *
 *   writer                               reader
 *   ------                               ------
 *   store seq = s+1   (relaxed)          s1 = load seq       (acquire)  [R1]
 *   fence(release)              [W1]     data loads          (relaxed)
 *   data stores       (relaxed)          fence(acquire)                 [R2]
 *   store seq = s+2   (release) [W2]     s2 = load seq       (relaxed)
 *                                        valid iff s1 even && s1 == s2
 *
 *   [W2] pairs with [R1]: a reader that sees s+2 sees every data store
 *        before it, so a copy started at an even sequence holds at least
 *        that write's data.
 *   [W1] pairs with [R2]: a reader whose relaxed data load saw a store made
 *        after [W1] also sees the odd store before [W1] when it loads seq
 *        again, so s2 != s1 and the copy is discarded.
 *
 * The sequence words and data are plain uint64_t in the segment's layout
 * (the public header must not need <stdatomic.h>); they are accessed here
 * through _Atomic uint64_t, which has the same size and alignment.
 */
#ifndef SLAB_SEQLOCK_H
#define SLAB_SEQLOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

_Static_assert(sizeof(_Atomic uint64_t) == sizeof(uint64_t),
               "atomic words overlay the segment's uint64_t fields");
_Static_assert(_Alignof(_Atomic uint64_t) == _Alignof(uint64_t),
               "atomic words overlay the segment's uint64_t fields");
_Static_assert(sizeof(_Atomic uint32_t) == sizeof(uint32_t),
               "atomic flags overlay the segment's uint32_t fields");

/* Read attempts before a section is reported busy. */
#define SLAB_SEQ_READ_TRIES 64u

typedef _Atomic uint64_t slab_seq_word;

static inline slab_seq_word *slab_seq_w(void *p)
{
    return (slab_seq_word *)p;
}

static inline const slab_seq_word *slab_seq_r(const void *p)
{
    return (const slab_seq_word *)p;
}

/* --- writer side: one writer at a time (see above) --- */

static inline uint64_t slab_seq_write_begin(uint64_t *seq)
{
    /* Relaxed: only this writer stores seq, so it reads its own value. */
    uint64_t s = atomic_load_explicit(slab_seq_w(seq), memory_order_relaxed);
    atomic_store_explicit(slab_seq_w(seq), s + 1, memory_order_relaxed);
    /* [W1] Orders the odd sequence before the data stores that follow;
     * pairs with the reader's acquire fence [R2] in slab_seq_read_retry(). */
    atomic_thread_fence(memory_order_release);
    return s + 1;
}

static inline void slab_seq_write_end(uint64_t *seq, uint64_t odd)
{
    /* [W2] Publishes the data stores before the even sequence; pairs with
     * the reader's acquire load [R1] in slab_seq_read_begin(). */
    atomic_store_explicit(slab_seq_w(seq), odd + 1, memory_order_release);
}

static inline void slab_seq_store(uint64_t *word, uint64_t v)
{
    atomic_store_explicit(slab_seq_w(word), v, memory_order_relaxed);
}

/* Copy nbytes (a multiple of 8) of private data into a covered section. */
static inline void slab_seq_copy_in(void *dst, const void *src, size_t nbytes)
{
    slab_seq_word *d = slab_seq_w(dst);
    const uint64_t *s = (const uint64_t *)src;
    for (size_t i = 0; i < nbytes / 8; i++)
        atomic_store_explicit(&d[i], s[i], memory_order_relaxed);
}

/* --- reader side: any number of readers, in any process --- */

static inline uint64_t slab_seq_read_begin(const uint64_t *seq)
{
    /* [R1] Pairs with the writer's release store [W2] in
     * slab_seq_write_end(): the data of the write that made seq even are
     * visible to the loads that follow. */
    return atomic_load_explicit(slab_seq_r(seq), memory_order_acquire);
}

static inline uint64_t slab_seq_load(const uint64_t *word)
{
    return atomic_load_explicit(slab_seq_r(word), memory_order_relaxed);
}

/* Copy nbytes (a multiple of 8) of a covered section into private memory. */
static inline void slab_seq_copy_out(void *dst, const void *src, size_t nbytes)
{
    uint64_t *d = (uint64_t *)dst;
    const slab_seq_word *s = slab_seq_r(src);
    for (size_t i = 0; i < nbytes / 8; i++)
        d[i] = atomic_load_explicit(&s[i], memory_order_relaxed);
}

/* True when the copy made since slab_seq_read_begin() returned start must
 * be discarded: start was odd, or a writer came in between. */
static inline bool slab_seq_read_retry(const uint64_t *seq, uint64_t start)
{
    /* [R2] Pairs with the writer's release fence [W1] in
     * slab_seq_write_begin(): if any data load above saw a store made after
     * [W1], the load below sees the odd sequence stored before it. */
    atomic_thread_fence(memory_order_acquire);
    uint64_t now = atomic_load_explicit(slab_seq_r(seq), memory_order_relaxed);
    return (start & 1u) != 0 || now != start;
}

#endif /* SLAB_SEQLOCK_H */
