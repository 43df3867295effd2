package dataset

// fifo is the queue of finished items a stream decoder hands out with Next. Taken
// slots are zeroed so the decoder does not pin memory it gave away, and the backing
// array is reused once the queue runs empty.
type fifo[T any] struct {
	items []T
	head  int
}

func (q *fifo[T]) push(v T) { q.items = append(q.items, v) }

func (q *fifo[T]) pop() (T, bool) {
	var zero T
	if q.head >= len(q.items) {
		q.items, q.head = q.items[:0], 0
		return zero, false
	}
	v := q.items[q.head]
	q.items[q.head] = zero
	q.head++
	return v, true
}
