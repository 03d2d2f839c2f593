package dataversion

import (
	"container/list"
	"sync"
)

// Cache keeps values computed from the data as of a version and gives one
// again only to a reader of that same version, so what it gives is exactly
// what computing again would give. The caller's side of the bargain: label
// a value with a version read before the first statement that computed it.
// Equal versions then mean no write committed since before the computation
// began (internal/kpi/resultcache.go spells out why).
//
// It holds values up to a total weight (results, bytes: the caller's unit),
// the least recently used first out. A newer version drops every value of
// older ones: the data moved on, and no later reader can match them. It is
// safe for concurrent use; values are shared, and callers must not modify
// one after Put nor a value Get returned.
type Cache[V any] struct {
	max    int
	weight func(V) int

	mu      sync.Mutex
	entries map[string]*list.Element // of *entry[V]
	recent  list.List                // most recently used first
	held    int                      // total weight held
	latest  Version                  // highest version kept
}

type entry[V any] struct {
	key     string
	version Version
	value   V
	weight  int
}

// NewCache returns a cache holding at most maxWeight, each value weighing
// weight(value).
func NewCache[V any](maxWeight int, weight func(V) int) *Cache[V] {
	return &Cache[V]{max: maxWeight, weight: weight, entries: map[string]*list.Element{}}
}

// Get returns the value kept for key if it was computed at version v.
func (c *Cache[V]) Get(key string, v Version) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	el, ok := c.entries[key]
	if !ok {
		return zero, false
	}
	e := el.Value.(*entry[V])
	if e.version != v {
		if e.version < v { // the data moved on: it can never be given again
			c.remove(el)
		}
		return zero, false
	}
	c.recent.MoveToFront(el)
	return e.value, true
}

// Put keeps value for key, computed at version v. A value heavier than the
// whole cache, or of a version older than one already kept, is not kept.
func (c *Cache[V]) Put(key string, v Version, value V) {
	w := c.weight(value)
	if w > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v < c.latest {
		return // a write committed since: no later reader can match it
	}
	if v > c.latest {
		c.latest = v
		for el := c.recent.Front(); el != nil; {
			next := el.Next()
			if el.Value.(*entry[V]).version < v {
				c.remove(el)
			}
			el = next
		}
	}
	if el, ok := c.entries[key]; ok {
		c.remove(el)
	}
	for c.held+w > c.max {
		c.remove(c.recent.Back())
	}
	c.entries[key] = c.recent.PushFront(&entry[V]{key: key, version: v, value: value, weight: w})
	c.held += w
}

// Size reports the values held and their total weight.
func (c *Cache[V]) Size() (values, weight int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.held
}

func (c *Cache[V]) remove(el *list.Element) {
	e := c.recent.Remove(el).(*entry[V])
	delete(c.entries, e.key)
	c.held -= e.weight
}
