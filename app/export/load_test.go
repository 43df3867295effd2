package export

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoadInOrder checks the parallel reads of an export: results come in the order
// of the ids whatever order the loads finish in, no more than loadWorkers run at
// once, and an error from a load, the consumer or the context stops the walk.
func TestLoadInOrder(t *testing.T) {
	ids := make([]int64, 200)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	var running, most atomic.Int64
	load := func(_ context.Context, id int64) (int64, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond) // finish out of order
		return id * 10, nil
	}

	var got []int64
	if err := loadInOrder(t.Context(), ids, load, func(v int64) error { got = append(got, v); return nil }); err != nil {
		t.Fatal(err)
	}
	want := make([]int64, len(ids))
	for i, id := range ids {
		want[i] = id * 10
	}
	if !slices.Equal(got, want) {
		t.Errorf("results out of order or missing: got %d of %d, first %v", len(got), len(want), got[:min(5, len(got))])
	}
	if most.Load() > int64(loadWorkers) {
		t.Errorf("%d loads ran at once, want at most %d", most.Load(), loadWorkers)
	}

	boom := errors.New("boom")
	t.Run("load_error", func(t *testing.T) {
		var used int
		err := loadInOrder(t.Context(), ids, func(ctx context.Context, id int64) (int64, error) {
			if id == 50 {
				return 0, boom
			}
			return load(ctx, id)
		}, func(int64) error { used++; return nil })
		if !errors.Is(err, boom) || used != 49 {
			t.Errorf("err %v after %d results, want boom after 49", err, used)
		}
	})
	t.Run("use_error", func(t *testing.T) {
		var used int
		err := loadInOrder(t.Context(), ids, load, func(int64) error {
			if used++; used == 7 {
				return boom
			}
			return nil
		})
		if !errors.Is(err, boom) || used != 7 {
			t.Errorf("err %v after %d results, want boom at 7", err, used)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var used int
		err := loadInOrder(ctx, ids, load, func(int64) error {
			if used++; used == 3 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) || used != 3 {
			t.Errorf("err %v after %d results, want canceled at 3", err, used)
		}
	})
}
