// Package capture makes what the proxy saw durable and then searchable. Its Recorder
// is the proxy's Sink: it appends each exchange, compressed, to an on-disk log
// (internal/spool) and returns once the record is fsynced, which the proxy waits for
// before the client gets the response's last byte. Its Indexer follows that log at
// its own pace, turning records into store captures (decode, parse, thread, index)
// in batched transactions that also move the log's cursor, so a crash at any point
// resumes where the last commit left off and the log's segments are removed once
// stored.
//
// When the disk refuses a record (full, or failing), the client still gets its
// answer: the record waits in memory, within a bound, and is appended once the disk
// takes it again; what cannot be kept is counted in a small file that survives
// restarts until someone dismisses it.
//
// It imports proxy (the Exchange), store and internal/spool; the app wires it.
package capture
