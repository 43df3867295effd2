package keys

import "time"

// slots is how many parts a window is split into: a minute counts by the second,
// a day by 24 minutes.
const slots = 60

// window counts what happened over the last span of time, sliding by slot
// (span/60): a ring of 60 counters and their sum. It is exact to a slot, which a
// two-bucket estimate (previous window weighted by the time left) is not when
// traffic is bursty, and unlike an exact log of events its size does not grow
// with the limit: 60 counters, 500 bytes, whether a key allows 60 requests a
// minute or 10 million tokens a day. It is not safe for concurrent use.
type window struct {
	slot   int64 // nanoseconds per slot
	head   int64 // absolute number (unix time / slot) of the newest slot
	sum    int64
	counts [slots]int64
}

func newWindow(span time.Duration) *window {
	return &window{slot: int64(span) / slots}
}

// advance moves the window to now, forgetting the slots that left it. A clock that
// went back leaves it where it is.
func (w *window) advance(now time.Time) int64 {
	n := now.UnixNano() / w.slot
	switch {
	case n <= w.head:
		return w.head
	case n-w.head >= slots:
		w.counts, w.sum = [slots]int64{}, 0
	default:
		for i := w.head + 1; i <= n; i++ {
			w.sum -= w.counts[i%slots]
			w.counts[i%slots] = 0
		}
	}
	w.head = n
	return n
}

// add counts v at now and returns the slot it went into.
func (w *window) add(now time.Time, v int64) int64 {
	n := w.advance(now)
	w.counts[n%slots] += v
	w.sum += v
	return n
}

// undo takes back v counted into slot n by add, if that slot is still in the
// window at now (otherwise it has been forgotten already).
func (w *window) undo(now time.Time, n, v int64) {
	w.advance(now)
	if n > w.head-slots && n <= w.head {
		w.counts[n%slots] -= v
		w.sum -= v
	}
}

// wait returns how long until one more unit fits under limit: 0 when it fits now.
func (w *window) wait(now time.Time, limit int64) time.Duration {
	w.advance(now)
	over := w.sum + 1 - limit
	if over <= 0 {
		return 0
	}
	// The oldest slots leave first: slot k leaves when slot k+60 begins.
	var freed int64
	for k := w.head - slots + 1; k <= w.head; k++ {
		freed += w.counts[k%slots]
		if freed >= over {
			return time.Duration((k+slots)*w.slot - now.UnixNano())
		}
	}
	// Only a count taken back below zero gets here; a whole window clears it.
	return time.Duration(w.slot * slots)
}
