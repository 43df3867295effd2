package keys

import (
	"testing"
	"time"
)

// FuzzWindow drives a window with additions at moving times and checks it against
// a log of every addition: the sum is what the slots in the window hold, and wait
// names the first slot boundary at which one more unit fits.
func FuzzWindow(f *testing.F) {
	f.Add([]byte{1, 5, 2, 9, 200, 3}, uint16(7))
	f.Add([]byte{0, 0, 0, 255, 255, 1}, uint16(1))
	f.Fuzz(func(t *testing.T, ops []byte, limit uint16) {
		if limit == 0 || len(ops) > 400 {
			return
		}
		const slot = time.Second
		w := newWindow(slots * slot)
		type event struct {
			n int64 // slot number
			v int64
		}
		var log []event
		now := t0
		held := func(at time.Time) int64 { // what the window holds at at, from the log
			n := at.UnixNano() / int64(slot)
			var s int64
			for _, e := range log {
				if e.n > n-slots {
					s += e.v
				}
			}
			return s
		}
		for i := 0; i+1 < len(ops); i += 2 {
			now = now.Add(time.Duration(ops[i]) * 300 * time.Millisecond)
			v := int64(ops[i+1] % 8)
			log = append(log, event{w.add(now, v), v})
			if w.sum != held(now) {
				t.Fatalf("after %d adds: sum %d, the log holds %d", len(log), w.sum, held(now))
			}
			d := w.wait(now, int64(limit))
			at := now.Add(d)
			if held(at)+1 > int64(limit) {
				t.Fatalf("wait = %s, but then the window holds %d of %d", d, held(at), limit)
			}
			if d > 0 {
				if before := at.Add(-time.Nanosecond); held(before)+1 <= int64(limit) {
					t.Fatalf("wait = %s, but one more fits already at %s", d, before.Sub(now))
				}
			}
		}
	})
}
