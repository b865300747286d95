/* One parsed schema for the open files whose footers state it in the same bytes (see
 * schema.h): a lake's thousands of files written by one job kept a parsed schema each, 200 KB
 * for 300 columns, more than the rest of their footers.  A process-wide table of the schemas
 * in use, keyed by those bytes; an entry goes with its last file.  The bytes are a hostile
 * file's to choose: the hash is seeded per process and a bucket holds at most CHAIN_MOST
 * (a schema that finds its bucket full stays its file's own), so no footers can make a
 * lookup long.  A fork's child starts an empty table: schemas made before are freed with
 * their last file, outside the table. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <string.h>
#include <xxhash.h>
#include "../common/common.h"
#include "schema.h"

#define BUCKETS 4096 /* chains stay short up to tens of thousands of distinct schemas */
#define CHAIN_MOST 16

struct shared_schema {
    struct pq_schema schema;    /* first: what callers hold */
    struct pq_metadata elements; /* its elements, which the schema's leaves point into */
    uint8_t *key;               /* the footer's bytes of them, and their wire type */
    size_t len;
    int wire_type;
    uint64_t hash;
    size_t refs;                /* under the lock */
    int in_table;               /* else its file's own (its bucket was full) */
    unsigned generation;        /* the table's when put in: a fork's child has a new one */
    struct shared_schema *next; /* in its bucket */
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shared_schema *table[BUCKETS];
static unsigned table_generation;
static uint64_t seed;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* Held across fork() so that the child's copy of the table is whole; the child then starts
 * an empty one. */
static void lock_table(void) { pthread_mutex_lock(&table_lock); }
static void unlock_table(void) { pthread_mutex_unlock(&table_lock); }
static void forget_in_child(void) {
    memset(table, 0, sizeof table);
    table_generation++;
    pthread_mutex_unlock(&table_lock);
}

static void init_table(void) {
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed)
        seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&seed; /* no entropy yet: still
                                                                     not a constant */
    pthread_atfork(lock_table, unlock_table, forget_in_child);
}

/* The entry of those bytes, or NULL; *chain gets the bucket's length when it has none. */
static struct shared_schema *find(uint64_t hash, const uint8_t *bytes, size_t len, int wire_type,
                                  size_t *chain) {
    size_t n = 0;
    for (struct shared_schema *e = table[hash % BUCKETS]; e; e = e->next, n++)
        if (e->hash == hash && e->len == len && e->wire_type == wire_type &&
            memcmp(e->key, bytes, len) == 0)
            return e;
    *chain = n;
    return NULL;
}

static void free_entry(struct shared_schema *e) {
    pq_schema_free(&e->schema);
    pq_metadata_free(&e->elements);
    free(e->key);
    free(e);
}

/* A new entry, its schema parsed and built from the bytes (not yet in the table). */
static int make_entry(const struct pq_metadata *md, uint64_t hash, struct shared_schema **out,
                      struct fdata_error *err) {
    const uint8_t *bytes = md->schema_bytes;
    size_t len = md->schema_len;
    int wire_type = md->schema_wire_type;
    struct shared_schema *e = calloc(1, sizeof *e);
    uint8_t *key = malloc(len ? len : 1);
    if (!e || !key) {
        free(e), free(key);
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    *e = (struct shared_schema){.key = memcpy(key, bytes, len), .len = len,
                                .wire_type = wire_type, .hash = hash, .refs = 1};
    int status = pq_schema_elements_parse(e->key, len, wire_type, md->schema_at,
                                          md->footer_len, &e->elements, err);
    if (status == FDATA_OK)
        status = pq_schema_build(&e->elements, &e->schema, err);
    if (status != FDATA_OK) {
        free_entry(e);
        return status;
    }
    *out = e;
    return FDATA_OK;
}

int pq_schema_get(const struct pq_metadata *md, struct pq_schema **out, struct fdata_error *err) {
    pthread_once(&init_once, init_table);
    if (!md->schema_bytes) /* no field 2 */
        return fdata_set_error(err, FDATA_ECORRUPT, "schema is empty");
    uint64_t hash = XXH3_64bits_withSeed(md->schema_bytes, md->schema_len, seed);
    size_t chain;
    pthread_mutex_lock(&table_lock);
    struct shared_schema *e = find(hash, md->schema_bytes, md->schema_len, md->schema_wire_type,
                                   &chain);
    if (e)
        e->refs++;
    pthread_mutex_unlock(&table_lock);
    if (!e) { /* built outside the lock: footers parse on every core at once */
        FDATA_RETURN_IF(make_entry(md, hash, &e, err));
        pthread_mutex_lock(&table_lock);
        struct shared_schema *raced = find(hash, e->key, e->len, e->wire_type, &chain);
        if (raced) { /* another file's, made meanwhile: one copy stays */
            raced->refs++;
        } else if (chain < CHAIN_MOST) {
            e->in_table = 1;
            e->generation = table_generation;
            e->next = table[hash % BUCKETS];
            table[hash % BUCKETS] = e;
        }
        pthread_mutex_unlock(&table_lock);
        if (raced) {
            free_entry(e);
            e = raced;
        }
    }
    *out = &e->schema;
    return FDATA_OK;
}

void pq_schema_put(struct pq_schema *s) {
    if (!s)
        return;
    struct shared_schema *e = (struct shared_schema *)s;
    pthread_mutex_lock(&table_lock);
    int last = --e->refs == 0;
    if (last && e->in_table && e->generation == table_generation) {
        struct shared_schema **at = &table[e->hash % BUCKETS];
        while (*at != e)
            at = &(*at)->next;
        *at = e->next;
    }
    pthread_mutex_unlock(&table_lock);
    if (last)
        free_entry(e);
}
