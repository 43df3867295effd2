//go:build !cgo

package store

// Retryable is never true without cgo: there is no SQLite to refuse a write (see
// cgo_tag.go for the only build that gets here, the cross-compiled desktop tests).
func Retryable(error) bool { return false }
