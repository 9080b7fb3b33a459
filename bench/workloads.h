/*
 * workloads.h - the benchmark workloads, written once and instantiated per
 * allocator so that every allocator call is a direct call, with no function
 * pointer of the harness in between.
 *
 * Before each inclusion, define:
 *   BA_ID                 a token naming the allocator (suffix of the functions)
 *   BA_ALLOC(sz, e, s)    allocate sz bytes in epoch e into slot *s (s->p, s->h)
 *   BA_FREE(s)            free the object of slot *s
 *   BA_EPOCH_OPEN()       an expression giving the epoch for the next batch
 *   BA_EPOCH_CLOSE(e)     close epoch e (a no-op for allocators without epochs)
 * The inclusion defines one bench_allocator named alloc_<BA_ID> and undefines
 * the macros.  slabbench.c provides the harness helpers used here.
 */

#define BA_CAT2(a, b) a##_##b
#define BA_CAT(a, b) BA_CAT2(a, b)
#define BA_FN(name) BA_CAT(name, BA_ID)

/* Allocate into a slot and write the object's first word, as a program
 * would; a NULL return ends the run. */
#define BA_GET(sz, e, s)                        \
    do {                                        \
        BA_ALLOC((sz), (e), (s));               \
        if (UNLIKELY((s)->p == NULL))           \
            bench_oom();                        \
        touch((s)->p);                          \
    } while (0)

/* Alloc-then-free pairs; ctx->bg holds objects kept live throughout. */
static void BA_FN(pair)(bench_ctx *ctx, uint64_t n)
{
    const uint32_t *sizes = ctx->sizes;
    uint64_t k = ctx->cursor;
    EpochId e = ctx->epoch;

    for (uint64_t i = 0; i < n; i++) {
        bench_slot s;
        BA_GET(sizes[k++ & SIZE_SEQ_MASK], e, &s);
        BA_FREE(&s);
    }
    ctx->cursor = k;
}

/* Batches: ctx->batch allocations, then all of them freed in order. */
static void BA_FN(batch)(bench_ctx *ctx, uint64_t n)
{
    const uint32_t *sizes = ctx->sizes;
    bench_slot *slots = ctx->slots;
    uint64_t k = ctx->cursor;
    uint32_t b = ctx->batch;
    EpochId e = ctx->epoch;

    for (uint64_t done = 0; done < n; done += b) {
        for (uint32_t j = 0; j < b; j++)
            BA_GET(sizes[k++ & SIZE_SEQ_MASK], e, &slots[j]);
        for (uint32_t j = 0; j < b; j++)
            BA_FREE(&slots[j]);
    }
    ctx->cursor = k;
}

/* Random churn: free a random one of ctx->live slots and refill it. */
static void BA_FN(churn)(bench_ctx *ctx, uint64_t n)
{
    const uint32_t *sizes = ctx->sizes;
    bench_slot *slots = ctx->slots;
    uint64_t k = ctx->cursor;
    uint64_t rng = ctx->rng;
    uint32_t live = ctx->live;
    EpochId e = ctx->epoch;

    for (uint64_t i = 0; i < n; i++) {
        bench_slot *s = &slots[rand_below(&rng, live)];
        BA_FREE(s);
        BA_GET(sizes[k++ & SIZE_SEQ_MASK], e, s);
    }
    ctx->cursor = k;
    ctx->rng = rng;
}

/* Epochs: each batch goes into a fresh epoch, which is closed once the batch
 * is allocated; the objects are then freed, and the epoch's slabs go back
 * to the operating system as they empty. */
static void BA_FN(epoch)(bench_ctx *ctx, uint64_t n)
{
    const uint32_t *sizes = ctx->sizes;
    bench_slot *slots = ctx->slots;
    uint64_t k = ctx->cursor;
    uint32_t b = ctx->batch;

    for (uint64_t done = 0; done < n; done += b) {
        EpochId e = BA_EPOCH_OPEN();
        for (uint32_t j = 0; j < b; j++)
            BA_GET(sizes[k++ & SIZE_SEQ_MASK], e, &slots[j]);
        BA_EPOCH_CLOSE(e);
        for (uint32_t j = 0; j < b; j++)
            BA_FREE(&slots[j]);
    }
    ctx->cursor = k;
}

/* Producer/consumer: this thread allocates, the consumer thread frees. */
static void *BA_FN(consumer)(void *arg)
{
    bench_ctx *ctx = arg;
    spsc_ring *r = ctx->ring;
    uint64_t n = ctx->xt_n;

    for (uint64_t i = 0; i < n; i++) {
        bench_slot s;
        spsc_pop(r, &s);
        BA_FREE(&s);
    }
    return NULL;
}

static void BA_FN(xthread)(bench_ctx *ctx, uint64_t n)
{
    const uint32_t *sizes = ctx->sizes;
    spsc_ring *r = ctx->ring;
    uint64_t k = ctx->cursor;
    EpochId e = ctx->epoch;
    pthread_t consumer;

    spsc_reset(r);
    ctx->xt_n = n;
    if (pthread_create(&consumer, NULL, BA_FN(consumer), ctx) != 0)
        bench_die("pthread_create failed");
    for (uint64_t i = 0; i < n; i++) {
        bench_slot s;
        BA_GET(sizes[k++ & SIZE_SEQ_MASK], e, &s);
        spsc_push(r, &s);
    }
    pthread_join(consumer, NULL);
    ctx->cursor = k;
}

/* Latency: like churn, but LAT_GROUP consecutive slots are freed (untimed)
 * and then refilled under one pair of clock reads; the group's time divided
 * by LAT_GROUP is one latency sample.  ctx->batch > 0 instead times the
 * allocation phase of batches of that size (new memory, slow paths). */
static void BA_FN(latency)(bench_ctx *ctx, uint64_t groups, uint32_t *out)
{
    const uint32_t *sizes = ctx->sizes;
    bench_slot *slots = ctx->slots;
    uint64_t k = ctx->cursor;
    uint64_t rng = ctx->rng;
    uint32_t live = ctx->live;
    uint32_t b = ctx->batch;
    EpochId e = ctx->epoch;
    uint32_t pos = 0;

    for (uint64_t g = 0; g < groups; g++) {
        bench_slot *s;
        if (b == 0) {
            s = &slots[rand_below(&rng, live - LAT_GROUP)];
            for (uint32_t j = 0; j < LAT_GROUP; j++)
                BA_FREE(&s[j]);
        } else {
            if (pos + LAT_GROUP > b) {
                for (uint32_t j = 0; j < pos; j++)
                    BA_FREE(&slots[j]);
                pos = 0;
            }
            s = &slots[pos];
            pos += LAT_GROUP;
        }
        uint64_t t0 = now_ns();
        for (uint32_t j = 0; j < LAT_GROUP; j++)
            BA_GET(sizes[k++ & SIZE_SEQ_MASK], e, &s[j]);
        uint64_t t1 = now_ns();
        uint64_t d = t1 - t0;
        out[g] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
    }
    for (uint32_t j = 0; j < pos; j++)
        BA_FREE(&slots[j]);
    ctx->cursor = k;
    ctx->rng = rng;
}

/* Fill and empty n slots; used for the background set and set-up. */
static void BA_FN(fill)(bench_ctx *ctx, bench_slot *slots, uint32_t n)
{
    for (uint32_t j = 0; j < n; j++)
        BA_GET(ctx->sizes[ctx->cursor++ & SIZE_SEQ_MASK], ctx->epoch, &slots[j]);
}

static void BA_FN(drain)(bench_ctx *ctx, bench_slot *slots, uint32_t n)
{
    (void)ctx;
    for (uint32_t j = 0; j < n; j++)
        BA_FREE(&slots[j]);
}

static const bench_ops BA_FN(alloc) = {
    .pair = BA_FN(pair),
    .batch = BA_FN(batch),
    .churn = BA_FN(churn),
    .epoch = BA_FN(epoch),
    .xthread = BA_FN(xthread),
    .latency = BA_FN(latency),
    .fill = BA_FN(fill),
    .drain = BA_FN(drain),
};

#undef BA_GET
#undef BA_FN
#undef BA_CAT
#undef BA_CAT2
#undef BA_ID
#undef BA_ALLOC
#undef BA_FREE
#undef BA_EPOCH_OPEN
#undef BA_EPOCH_CLOSE
