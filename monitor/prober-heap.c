/*
 * prober-heap.c - a binary min-heap of embedded nodes with their positions
 * kept in the nodes, so that a key can change or a node leave in O(log n).
 * The keys sit in the array beside the pointers: a sift reads only the
 * array and writes the position of each node it moves.
 * 100,000 targets are 17 levels: a start costs a few dozen compares and no
 * allocation, where one libevent timer per target cost 128 bytes a target
 * and an event_add per start.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "log.h"
#include "prober-heap.h"

void
prober_heap_init(struct prober_heap *h)
{
	h->v = NULL;
	h->n = h->cap = 0;
}

void
prober_heap_clear(struct prober_heap *h)
{
	for (size_t i = 0; i < h->n; i++)
		h->v[i].node->idx = PROBER_HEAP_NONE;
	free(h->v);
	prober_heap_init(h);
}

static void
prober_heap_set(struct prober_heap *h, size_t i, struct prober_heap_ent x)
{
	h->v[i] = x;
	x.node->idx = i;
}

static void
prober_heap_up(struct prober_heap *h, size_t i)
{
	struct prober_heap_ent x = h->v[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (h->v[parent].key <= x.key)
			break;
		prober_heap_set(h, i, h->v[parent]);
		i = parent;
	}
	prober_heap_set(h, i, x);
}

static void
prober_heap_down(struct prober_heap *h, size_t i)
{
	struct prober_heap_ent x = h->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1].key < h->v[c].key)
			c++;
		if (x.key <= h->v[c].key)
			break;
		prober_heap_set(h, i, h->v[c]);
		i = c;
	}
	prober_heap_set(h, i, x);
}

static bool
prober_heap_has(const struct prober_heap *h, const struct prober_heap_node *x)
{
	return x->idx != PROBER_HEAP_NONE && x->idx < h->n && h->v[x->idx].node == x;
}

void
prober_heap_push(struct prober_heap *h, struct prober_heap_node *x, double key)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->v = xreallocarray(h->v, h->cap, sizeof(*h->v));
	}
	prober_heap_set(h, h->n++, (struct prober_heap_ent){key, x});
	prober_heap_up(h, x->idx);
}

void
prober_heap_update(struct prober_heap *h, struct prober_heap_node *x, double key)
{
	double old;

	if (!prober_heap_has(h, x))
		return;
	old = h->v[x->idx].key;
	h->v[x->idx].key = key;
	if (key < old)
		prober_heap_up(h, x->idx);
	else if (key > old)
		prober_heap_down(h, x->idx);
}

void
prober_heap_remove(struct prober_heap *h, struct prober_heap_node *x)
{
	size_t i = x->idx;
	struct prober_heap_ent last;

	if (!prober_heap_has(h, x))
		return;
	x->idx = PROBER_HEAP_NONE;
	last = h->v[--h->n];
	if (i == h->n)
		return;
	prober_heap_set(h, i, last);
	/* the last node may belong above or below the hole */
	if (i > 0 && h->v[(i - 1) / 2].key > last.key)
		prober_heap_up(h, i);
	else
		prober_heap_down(h, i);
}

struct prober_heap_node *
prober_heap_top(const struct prober_heap *h, double *key)
{
	if (h->n == 0)
		return NULL;
	if (key)
		*key = h->v[0].key;
	return h->v[0].node;
}

double
prober_heap_key(const struct prober_heap *h, const struct prober_heap_node *x)
{
	return h->v[x->idx].key;
}

static size_t
prober_heap_count_from(const struct prober_heap *h, size_t i, double k)
{
	if (i >= h->n || h->v[i].key > k)
		return 0;
	return 1 + prober_heap_count_from(h, 2 * i + 1, k) +
	    prober_heap_count_from(h, 2 * i + 2, k);
}

size_t
prober_heap_count_le(const struct prober_heap *h, double k)
{
	return prober_heap_count_from(h, 0, k);
}
