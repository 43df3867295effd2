// Package store is llmtap's SQLite database: the schema and its ordered, embedded
// migrations, batched writes of captured exchanges and the conversation tree they
// thread into, and the queries the API and the exporters read.
//
// It owns all SQL and returns dataset types. It imports dataset and the SQLite driver,
// never proxy or app. Build with the sqlite_fts5 tag: the schema uses FTS5.
package store
