// Package export is the export run: what happens when a person exports. It walks
// the conversations a filter takes (store), turns them into the records of a
// dataset format with that format's validator (dataset), and writes them as a file
// or a Hugging Face dataset folder (internal/hfdir), with the invalid records apart.
// It also answers the export endpoints of the API (Service.Register): the preview,
// which keeps what it found of each conversation under its revision, the export
// itself, the progress of both, and one conversation's validity.
//
// It imports dataset, store and internal/hfdir, never app, proxy or capture: app
// wires a Service into its API, and cmd/llmtap calls Run.
package export
