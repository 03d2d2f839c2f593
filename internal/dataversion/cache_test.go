package dataversion_test

import (
	"testing"

	"github.com/tuoyu/tuoyu/internal/dataversion"
)

// TestCacheGivesOnlyItsVersion: a value is given to readers of the version
// it was kept under and no other; a newer version drops the older values,
// a value of an older version than one kept is not kept, and the weight
// bound evicts the least recently used.
func TestCacheGivesOnlyItsVersion(t *testing.T) {
	c := dataversion.NewCache(10, func(s string) int { return len(s) })
	c.Put("a", 5, "aaa")
	if v, ok := c.Get("a", 5); !ok || v != "aaa" {
		t.Fatalf("Get(a, 5) = %q, %v; want aaa", v, ok)
	}
	if _, ok := c.Get("a", 4); ok {
		t.Error("given to a reader of an older version")
	}
	c.Put("b", 4, "bb") // a write committed since version 4
	if _, ok := c.Get("b", 4); ok {
		t.Error("kept a value older than one already kept")
	}
	c.Put("c", 5, "ccc")
	c.Get("a", 5)           // a is now the most recently used
	c.Put("d", 5, "dddddd") // 3 + 3 + 6 > 10: c goes
	if _, ok := c.Get("c", 5); ok {
		t.Error("the least recently used value was not evicted")
	}
	if _, ok := c.Get("a", 5); !ok {
		t.Error("a recently used value was evicted")
	}
	c.Put("e", 6, "e") // the data moved on: every value of 5 goes
	if n, w := c.Size(); n != 1 || w != 1 {
		t.Errorf("after version 6: %d values weighing %d; want 1, 1", n, w)
	}
	c.Put("f", 6, "fffffffffff") // heavier than the cache
	if _, ok := c.Get("f", 6); ok {
		t.Error("kept a value heavier than the whole cache")
	}
}
