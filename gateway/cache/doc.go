// Package cache is the gateway's exact-match response cache (issue 13, "Cache"):
// the key of a request (Key), whether it asked for the cache (Wants), recording an
// upstream answer as it is relayed (Recorder) and replaying it with its original
// chunking (Replay). Where entries live is a Store, which the caller provides; the
// SQLite one is store.ResponseCache, adapted in app.
//
// It imports the standard library only: no llmtap package, and never store.
package cache
