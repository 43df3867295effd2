package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var cacheT0 = time.UnixMilli(1_800_000_000_000).UTC()

func cached(body string, chunks ...int) *CachedResponse {
	return &CachedResponse{Status: 200, Header: map[string][]string{"Content-Type": {"text/event-stream"}},
		Body: []byte(body), Chunks: chunks, Stream: true, Created: cacheT0}
}

func TestResponseCacheGet(t *testing.T) {
	db := openTest(t)
	c := db.ResponseCache(0)
	want := cached("data: a\n\ndata: [DONE]\n\n", 9, 14)
	if err := c.Put(t.Context(), "k", want, time.Hour); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		key  string
		at   time.Duration
		hit  bool
	}{
		{"hit", "k", 0, true},
		{"hit_before_expiry", "k", time.Hour - time.Millisecond, true},
		{"miss", "other", 0, false},
		{"expired", "k", time.Hour, false},
		{"expired_is_deleted", "k", 0, false}, // gone once seen expired, even asked "earlier"
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := c.Get(t.Context(), tt.key, cacheT0.Add(tt.at))
			if err != nil || ok != tt.hit {
				t.Fatalf("Get(%q, +%s) = %v, %v, want hit %v", tt.key, tt.at, ok, err, tt.hit)
			}
			if ok {
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("Get (-want +got):\n%s", d)
				}
			}
		})
	}
}

func TestResponseCacheReplaceAndCompress(t *testing.T) {
	db := openTest(t)
	c := db.ResponseCache(0)
	big := bytes.Repeat([]byte(`data: {"choices":[{"delta":{"content":"same words again"}}]}`+"\n\n"), 2000)
	if err := c.Put(t.Context(), "k", cached("old", 3), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(t.Context(), "k", &CachedResponse{Status: 200, Body: big, Chunks: []int{len(big)}, Created: cacheT0}, time.Hour); err != nil {
		t.Fatal(err)
	}
	got, ok, err := c.Get(t.Context(), "k", cacheT0)
	if err != nil || !ok || !bytes.Equal(got.Body, big) {
		t.Fatalf("Get after a replacing Put: ok %v err %v, want the new body", ok, err)
	}
	size, n, err := c.Size(t.Context())
	if err != nil || n != 1 || size > int64(len(big)/10) {
		t.Errorf("Size = %d bytes, %d entries, %v: want one entry stored in under a tenth of its %d bytes", size, n, err, len(big))
	}
}

func TestResponseCacheEviction(t *testing.T) {
	db := openTest(t)
	// Incompressible bodies of known stored size.
	body := func(i int) string {
		r := rand.New(rand.NewPCG(uint64(i), 1))
		b := make([]byte, 1000)
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		return string(b)
	}
	probe := db.ResponseCache(1 << 30)
	if err := probe.Put(t.Context(), "probe", cached(body(99), 1000), time.Hour); err != nil {
		t.Fatal(err)
	}
	one, _, _ := probe.Size(t.Context())
	if _, err := db.sql.Exec(`DELETE FROM response_cache`); err != nil {
		t.Fatal(err)
	}
	// Room for three entries, not four.
	c := db.ResponseCache(one*3 + one/2)
	for i := range 6 {
		e := cached(body(i), 1000)
		e.Created = cacheT0.Add(time.Duration(i) * time.Second)
		if err := c.Put(t.Context(), fmt.Sprint("k", i), e, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 6 {
		_, ok, err := c.Get(t.Context(), fmt.Sprint("k", i), cacheT0.Add(10*time.Second))
		if err != nil || ok != (i >= 3) {
			t.Errorf("Get(k%d) hit %v, %v; want the three newest kept (k3..k5)", i, ok, err)
		}
	}
	size, n, _ := c.Size(t.Context())
	if n != 3 || size > c.max {
		t.Errorf("after eviction %d entries, %d bytes, want 3 under %d", n, size, c.max)
	}
	// An entry larger than the whole cache is refused and evicts nothing.
	huge := cached(body(1)+body(2)+body(3)+body(4), 4000)
	if err := c.Put(t.Context(), "huge", huge, time.Hour); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Put of an entry over the cap = %v, want ErrTooLarge", err)
	}
	if _, n, _ := c.Size(t.Context()); n != 3 {
		t.Errorf("a refused Put left %d entries, want 3", n)
	}
}

func TestResponseCacheExpiredMakeRoom(t *testing.T) {
	db := openTest(t)
	c := db.ResponseCache(0)
	old := cached("old", 3)
	if err := c.Put(t.Context(), "old", old, time.Minute); err != nil {
		t.Fatal(err)
	}
	later := cached("new", 3)
	later.Created = cacheT0.Add(time.Hour)
	if err := c.Put(t.Context(), "new", later, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := c.Size(t.Context()); n != 1 {
		t.Errorf("after a Put past the first entry's expiry %d entries remain, want 1", n)
	}
}

func TestResponseCacheConcurrent(t *testing.T) {
	db := openTest(t)
	c := db.ResponseCache(64 << 10)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 4 {
		wg.Go(func() {
			for i := range 25 {
				key := fmt.Sprint("k", (w*25+i)%10)
				body := fmt.Sprintf("data: %d %d\n\n", w, i)
				if err := c.Put(t.Context(), key, cached(body, len(body)), time.Hour); err != nil {
					errs <- err
					return
				}
			}
		})
		wg.Go(func() {
			for i := range 50 {
				e, ok, err := c.Get(t.Context(), fmt.Sprint("k", i%10), cacheT0)
				if err != nil {
					errs <- err
					return
				}
				if ok && (len(e.Chunks) != 1 || e.Chunks[0] != len(e.Body)) {
					errs <- fmt.Errorf("torn entry: chunks %v for %d bytes", e.Chunks, len(e.Body))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var rows, total int64
	if err := db.sql.QueryRow(`SELECT COUNT(*), COALESCE(SUM(size), 0) FROM response_cache`).Scan(&rows, &total); err != nil {
		t.Fatal(err)
	}
	if size, n, _ := c.Size(t.Context()); size != total || int64(n) != rows || n != 10 {
		t.Errorf("Size = %d bytes, %d entries; the rows hold %d bytes in %d (want 10)", size, n, total, rows)
	}
}
