/*
 * slab_internal.h - the allocator's data structures.
 *
 * Memory comes from the OS in chunks of CHUNK_SLABS slabs of SLAB_BYTES each.
 * Every slab serves one size class for life; its metadata (the slab
 * descriptor and one generation word per slot) lives outside the slab, in the
 * chunk's descriptor block, so that a slab's memory can be returned to the OS
 * while its metadata stays valid for handle checks.
 *
 * Who may touch what
 * ------------------
 * A slab is in one of three modes, kept in its state word, and every change
 * of mode is one atomic transition of that word:
 *
 *   OWNED     held by one thread's heap bin: as its current slab, or on the
 *             heap's own lists of slabs with free slots (avail) and without
 *             (full).  Only that thread allocates from it and frees into its
 *             local free list, with plain accesses.  Other threads push frees
 *             onto the remote stack in the state word with compare-and-swap;
 *             the owner collects them when it looks for free slots.
 *   DETACHED  owned by nobody.  It may sit on its bin's partial list (when it
 *             has free slots and its epoch is open) or on no list (full, or
 *             its epoch closed).  Frees are pushed onto the remote stack.
 *   POOLED    empty, waiting in the class pool (its memory returned to the
 *             OS unless the pool keeps it warm).
 *
 * OWNED -> DETACHED: the owner, with a CAS (disown()).
 * DETACHED -> OWNED: the bin lock holder taking it off the partial list.
 * DETACHED -> POOLED: the bin lock holder that finds it empty claims its
 *             release with a CAS; whoever loses the claim does nothing.
 * POOLED -> OWNED: slab_get(), under the allocator lock, with a new
 *             incarnation: a recycled slab is never DETACHED on its way to
 *             its new owner.
 *
 * The state word packs the remote stack's head and length, the slab's used
 * count at the moment it was detached, and the mode, so that a thread pushing
 * a free learns from its own compare-and-swap whether it made a detached slab
 * non-full (length 1) or empty (length == used).  Those two transitions are
 * then settled under the bin lock by slab_reconcile().
 *
 * A slot's generation word is the single truth about it: odd means
 * allocated.  A handle carries the generation it was allocated with, so a
 * double free, a stale handle and a forged one all fail the same check.
 * Every free moves the generation on with a compare-and-swap (the owner's
 * too), so of two threads freeing the same handle at once exactly one
 * wins; allocation stores it plainly, as no handle can name a free slot.
 * There is no separate bitmap or free counter that could disagree with it:
 * the lists hold exactly the slots whose generation is even.
 *
 * List membership (slab.list) and the partial lists are read and written only
 * with the bin lock held, except for the avail and full lists of an OWNED
 * slab, which are its owner's alone.
 */
#ifndef SLAB_INTERNAL_H
#define SLAB_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "slab_alloc.h"
#include "common.h"

#define SLAB_SHIFT      16u
#define SLAB_BYTES      (1u << SLAB_SHIFT)          /* 64 KiB */
#define CHUNK_SLABS     64u                         /* slabs per mmap() */
#define CHUNK_BYTES     ((size_t)CHUNK_SLABS * SLAB_BYTES)   /* 4 MiB */

/* The size classes the slabs serve.  SLAB_NUM_CLASSES and
 * SLAB_CLASS_SIZES (slab_alloc.h) are the eight rows that counters are
 * reported in, per allocator and in the segment; the core serves objects
 * from the finer classes below, and every counter of a class goes to the
 * row of the smallest row size at least its own (core_class_row).
 *
 * The table: multiples of 16, so that every object keeps SLAB_ALIGNMENT;
 * 16, 32 and 48 below 64 (the only multiples of 16 there); from 64 up four
 * classes per doubling (64, 80, 96, 112, 128, 160, ...), so that successive
 * sizes differ by 12.5 to 25 %: a request above 64 bytes wastes less than
 * 20 % of its slot (about 10 % on average over uniform sizes), one below
 * at most 15 bytes, where the eight rows waste up to a third (and a 16-byte
 * request took 64).  Finer still (eight per doubling) would cost more than
 * it saves: every class a thread touches keeps a current slab of 64 KiB
 * (and a bin keeps up to BIN_PARKED empty ones), each class adds
 * SLAB_EPOCH_COUNT bin locks that fork() takes, and 472 bytes to every
 * heap (its bins of the class in all epochs).  Every size divides 64 KiB to within 256 bytes. */
#define SLAB_CORE_CLASSES 18u
#define SLAB_CORE_CLASS_SIZES                                                  \
    16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768
#define SLAB_MIN_OBJECT 16u
#define SLAB_MAX_SLOTS  (SLAB_BYTES / SLAB_MIN_OBJECT)   /* 4096 */

/* Handle: generation (32 bits) | slab index (20) | slot (12).  The slab
 * table covers all 2^20 indices (address space only: entries past the
 * carved slabs are never written and read as zero), so any handle can be
 * looked up; slabs are carved only up to MAX_SLABS. */
#define HANDLE_SLOT_BITS 12u
#define HANDLE_SLAB_BITS 20u
#define HANDLE_SLOT_MASK ((1u << HANDLE_SLOT_BITS) - 1u)
#define HANDLE_SLAB_MASK ((1u << HANDLE_SLAB_BITS) - 1u)
#define MAX_SLABS       (1u << 18)                  /* 16 GiB of slabs */
#define ARENA_BYTES     ((size_t)MAX_SLABS * SLAB_BYTES)
/* Generation words, one per slot, handed to slabs as they are carved:
 * enough for MAX_SLABS slabs of 64-byte objects (1 GiB of address space,
 * touched only where used).  Slabs of smaller objects take more, so an
 * arena of 16-byte slabs alone ends at a quarter of MAX_SLABS (4 GiB of
 * objects); carve() refuses a slab the table cannot serve. */
#define GEN_TABLE_WORDS ((size_t)MAX_SLABS * (SLAB_BYTES / 64u))

/* heap identities: never reused, so a slab's owner compares equal to a
 * thread's cached heap only when that very heap owns it. */
#define NO_HEAP_ID      UINT64_MAX

_Static_assert(SLAB_MAX_SLOTS == (1u << HANDLE_SLOT_BITS), "slot field size");
_Static_assert(HANDLE_SLOT_BITS + HANDLE_SLAB_BITS == 32, "handle layout");
_Static_assert(MAX_SLABS <= (1u << HANDLE_SLAB_BITS), "slab field size");
_Static_assert(SLAB_MAX_SLOTS < 0xffffu, "slot + 1 fits the state word's 16-bit fields");
_Static_assert(SLAB_CORE_CLASSES < 256u, "slab.cls and slab_class_of are bytes");

/* State word layout: remote stack head (slot + 1) and length, the used
 * count at detach, the mode, and the slab's incarnation, which moves on
 * each time the slab leaves its class pool for a new life, so that a
 * thread that settles a slab late can tell that the slab it pushed a free
 * onto is gone. */
#define ST_HEAD_MASK   0xffffull
#define ST_COUNT_SHIFT 16
#define ST_USED_SHIFT  32
#define ST_MODE_SHIFT  48
#define ST_INC_SHIFT   50
#define ST_INC_MASK    0x3fffu
#define ST_HEAD(w)     ((uint32_t)((w) & ST_HEAD_MASK))
#define ST_COUNT(w)    ((uint32_t)(((w) >> ST_COUNT_SHIFT) & 0xffff))
#define ST_USED(w)     ((uint32_t)(((w) >> ST_USED_SHIFT) & 0xffff))
#define ST_MODE(w)     ((uint32_t)(((w) >> ST_MODE_SHIFT) & 3u))
#define ST_INC(w)      ((uint32_t)((w) >> ST_INC_SHIFT))
#define ST_MAKE(head, count, used, mode, inc)                              \
    ((uint64_t)(head) | ((uint64_t)(count) << ST_COUNT_SHIFT) |            \
     ((uint64_t)(used) << ST_USED_SHIFT) | ((uint64_t)(mode) << ST_MODE_SHIFT) | \
     ((uint64_t)((inc) & ST_INC_MASK) << ST_INC_SHIFT))

/* A slot's generation: odd while allocated.  It only grows: a slot starts
 * below 2^31 and is retired for good (GEN_RETIRED, on no free list) by the
 * free that would carry it past 2^32 - 1, so no handle ever becomes valid
 * again once its object is freed. */
#define GEN_RETIRED 0u

enum slab_mode { MODE_OWNED = 0, MODE_DETACHED = 1, MODE_POOLED = 2 };
enum slab_list {
    LIST_NONE = 0,          /* current slab of a heap bin, or detached alone */
    LIST_PARTIAL = 1,       /* a bin's shared partial list (bin lock) */
    LIST_POOL = 2,          /* a class pool (allocator lock) */
    LIST_AVAIL = 3,         /* owner's list of slabs with local free slots */
    LIST_FULL = 4           /* owner's list of slabs without */
};

struct heap;

typedef struct slab {
    /* Remote stack, used count at detach, mode: see the file comment. */
    _Atomic uint64_t state;

    /* The owning heap's id (OWNED mode) or NO_HEAP_ID.  Written only by the
     * heap's thread; read by any thread to choose the local or remote free. */
    _Atomic uint64_t owner;

    /* Owner's fields (or the bin lock holder's while DETACHED); used is
     * kept apart from local_head so that the compiler does not merge their
     * updates into one vector store on the fast path. */
    uint32_t local_head;        /* slot + 1 of the first free slot, or 0 */

    /* Fixed once the slab is carved; nslots is stored last, with release,
     * and is 0 before (pairs with the acquire in handle_check()). */
    _Atomic uint32_t nslots;
    char *base;
    _Atomic uint32_t *gen;      /* this slab's slots in the generation table */
    uint64_t handle_base;       /* index << HANDLE_SLOT_BITS */
    uint32_t objsize;
    uint32_t slot_recip;        /* ceil(2^32 / objsize): offset -> slot */
    uint32_t used;              /* owner's: slots not on the local list */
    uint32_t index;
    uint8_t cls;

    /* Under the bin lock. */
    uint8_t list;               /* enum slab_list */
    uint8_t ballast;            /* debug: slots held by slab_debug_plant_zombie */
    uint8_t parked;             /* empty, kept listed for reuse (bin.parked) */
    uint8_t warm;               /* pooled with its memory still resident */
    /* Written by slab_get() under the allocator lock; read by a thread
     * settling the slab before it takes the bin lock (hence atomic), and
     * checked again under it. */
    _Atomic uint8_t epoch;
    uint64_t era;
    struct slab *prev, *next;
} __attribute__((aligned(128))) slab;

/* A power of two, so that a handle's slab is found with a shift; and two
 * cache lines, so that neighbouring slabs' state words never share one. */
_Static_assert(sizeof(slab) == 128, "slab descriptor size");

/* A size class in one epoch slot: its partial list. */
typedef struct bin {
    pthread_mutex_t lock;
    slab *partial;
    uint32_t parked;            /* empty slabs on partial, at most BIN_PARKED */
} bin;

/* Empty slabs a bin keeps (with their memory) while its epoch is open, so
 * that alloc/free cycles do not return and re-fault memory every time. */
#define BIN_PARKED 2u

/* Released slabs a class pool keeps resident for the next epoch, so that
 * epoch after epoch does not return and re-fault the same memory. */
#define POOL_WARM 2u

/* The epoch ring: era << 1 | open.  The fast path compares the whole word
 * with the one its bin cached, so both a close and a re-open send it to the
 * slow path. */
typedef struct epoch_slot {
    _Atomic uint32_t word;
} epoch_slot;

#define EPOCH_OPEN(w)   ((w) & 1u)
#define EPOCH_ERA(w)    ((w) >> 1)

/* Counters a heap keeps for its thread: single writer, relaxed. */
typedef struct heap_counters {
    _Atomic uint64_t allocs_slow;
    _Atomic uint64_t remote_frees;
    _Atomic uint64_t cas_retries;
} heap_counters;

/* The other slabs a heap bin owns, as circular lists (slab.prev/next). */
typedef struct heap_lists {
    slab *avail;                /* have local free slots */
    slab *full;                 /* had none when last looked at */
} heap_lists;

/* Dead heaps an allocator keeps at most for new threads to take over. */
#define DEAD_HEAPS 8u

/* Full slabs the owner checks for remote frees each time it needs a slab. */
#define FULL_SCAN 8u

typedef struct heap {
    struct SlabAllocator *alloc;
    uint64_t id;
    uint64_t seen_changes;      /* SlabAllocator.epoch_changes last swept */
    /* Each epoch's word when heap_sweep() last made every bin of that
     * epoch agree with it: a word never repeats, so while it is still the
     * epoch's word, no bin of the epoch can hold a slab of another. */
    uint32_t swept[SLAB_EPOCH_COUNT];
    /* A thread's bin of one size class in one epoch: its current slab,
     * the one thing the fast path reads (never NULL: heap_empty_slab when
     * none), and the epoch's word when it was taken.  By class, then
     * epoch: a class's SLAB_EPOCH_COUNT pointers are 128 bytes, so the
     * fast path finds cur with a shift and one indexed load, as many
     * instructions as with eight classes by epoch. */
    slab *cur[SLAB_CORE_CLASSES][SLAB_EPOCH_COUNT];
    uint32_t epoch_word[SLAB_CORE_CLASSES][SLAB_EPOCH_COUNT];
    heap_lists lists[SLAB_EPOCH_COUNT][SLAB_CORE_CLASSES];
    heap_counters counters[SLAB_CORE_CLASSES];
    struct heap *next;          /* allocator's list, under alloc->lock */
    /* While its thread is gone and no other has taken it over (see
     * SlabAllocator.dead): the next such heap, and when it was left. */
    struct heap *next_dead;
    uint64_t dead_ns;
} heap;

/* Counters kept by whoever holds a lock: atomic so that readers need none. */
typedef struct class_counters {
    _Atomic uint64_t new_slabs;
    _Atomic uint64_t recycled_slabs;
    _Atomic uint64_t released_slabs;
    _Atomic uint64_t madvised_bytes;
    _Atomic uint64_t repairs[3];        /* full_bitmap, list_mismatch, other */
    _Atomic uint64_t live_slabs;
    /* Folded in from heaps that are gone. */
    _Atomic uint64_t allocs_slow;
    _Atomic uint64_t remote_frees;
    _Atomic uint64_t cas_retries;
} class_counters;

struct SlabAllocator {
    uint64_t serial;            /* unique per allocator in this process */
    uint32_t salt;              /* first generation of every slot (even) */
    bool caller_storage;

    _Atomic uint32_t current;   /* the current epoch */
    epoch_slot epochs[SLAB_EPOCH_COUNT];
    bin bins[SLAB_EPOCH_COUNT][SLAB_CORE_CLASSES];

    /* Serialises epoch_advance() and epoch_close(). */
    pthread_mutex_t epoch_lock;

    /* The slab descriptors and the generation table: address space
     * reserved once for MAX_SLABS slabs, touched only as slabs are carved,
     * never moved, so that any handle can be checked without a lock. */
    slab *slabs;
    _Atomic uint32_t *gens;
    char *arena;                /* slab i is at arena + i * SLAB_BYTES */
    size_t gens_used;           /* generation words handed to slabs (lock) */

    /* slab carving, class pools, heaps: under lock. */
    pthread_mutex_t lock;
    uint32_t nslabs;            /* slabs carved */
    slab *pool[SLAB_CORE_CLASSES];
    heap *heaps;
    /* Heaps of exited threads, kept with the slabs that still hold objects
     * for the next new thread to take over whole (heap.c, "Dead heaps"),
     * newest first; at most DEAD_HEAPS.  Only when reuse_heaps is set
     * (the drop-in, which gives them back after its decay time). */
    heap *dead;
    uint32_t ndead;
    bool reuse_heaps;           /* set once, before any thread allocates */
    class_counters counters[SLAB_CORE_CLASSES];
    _Atomic uint64_t epoch_advances;
    _Atomic uint64_t epoch_closes;
    /* Bumped by every close and advance: a heap that sees it move gives
     * back the slabs it holds in epochs that no longer take allocations.
     * Starts at serial << 32; the fast path compares it with the thread's
     * cached key (heap_fast()). */
    _Atomic uint64_t epoch_changes;
    uint32_t warm[SLAB_CORE_CLASSES];    /* warm slabs in each pool (lock) */
    _Atomic uint64_t mapped_bytes;

    struct SlabAllocator *reg_next;     /* registry list, under its lock */
};

#endif /* SLAB_INTERNAL_H */
