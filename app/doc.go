// Package app wires llmtap together: it opens the data folder and the store, runs the
// proxy with a recorder as its sink (exchange → decode → parse → batched store
// writes), and serves the HTTP JSON API and the built frontend; the export run is
// app/export, which it wires into the API.
//
// Both shells use it: the headless cmd/llmtap and the Wails desktop app. It must not
// import Wails, systray or anything else that links a GUI; those live in app/desktop.
package app
