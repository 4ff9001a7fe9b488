/*
 * prober-heap.h - the prober's one timer structure: a binary min-heap of
 * nodes keyed by a time in ms, embedded in what they order (no allocation
 * per node). The prober keeps every target in it and arms ONE libevent timer
 * at the top's key, instead of one libevent timer per target.
 */
#ifndef SLAMON_PROBER_HEAP_H
#define SLAMON_PROBER_HEAP_H

#include <stddef.h>

#define PROBER_HEAP_NONE ((size_t)-1)

/* In what the heap orders: where it is. The key lives in the heap's array,
 * beside the pointer, so that sifting compares keys without reading the
 * nodes (a cache miss each, at 100,000 targets). */
struct prober_heap_node {
	size_t idx; /* position in the heap, PROBER_HEAP_NONE when out of it */
};

struct prober_heap_ent {
	double key;
	struct prober_heap_node *node;
};

struct prober_heap {
	struct prober_heap_ent *v;
	size_t n, cap;
};

void prober_heap_init(struct prober_heap *);
void prober_heap_clear(struct prober_heap *);
/* Add a node that is not in the heap, with its key. */
void prober_heap_push(struct prober_heap *, struct prober_heap_node *, double key);
/* Change the key of a node in the heap (either direction); a node not in
 * the heap is left alone. */
void prober_heap_update(struct prober_heap *, struct prober_heap_node *, double key);
/* Take a node out; a node not in the heap is left alone. */
void prober_heap_remove(struct prober_heap *, struct prober_heap_node *);
/* The node with the smallest key, or NULL; its key in *key when not NULL. */
struct prober_heap_node *prober_heap_top(const struct prober_heap *, double *key);
/* The key of a node in the heap. */
double prober_heap_key(const struct prober_heap *, const struct prober_heap_node *);
/* How many nodes have key <= k: visits only those (and their children). */
size_t prober_heap_count_le(const struct prober_heap *, double k);

#endif
