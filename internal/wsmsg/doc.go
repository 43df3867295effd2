// Package wsmsg reads the messages of a WebSocket connection (RFC 6455) passively,
// so that llmtap can record OpenAI Realtime API sessions without touching the relay.
// The proxy copies a connection's bytes each way untouched and also hands every chunk
// it copied to a Reader, in whatever pieces it read them; the Reader reassembles the
// frames and passes each complete text message on, inflated when the connection
// negotiated permessage-deflate (RFC 7692).
//
// It only reads. It never writes to the connection, answers pings or closes, and a
// stream it cannot follow stops the Reader, never the relay. permessage-deflate is
// the only extension it knows: a frame with another reserved (RSV) bit set is a
// protocol error for the Reader alone. It does not check that text is valid UTF-8,
// nor the status codes of close frames; the peers do that.
//
// It imports only the standard library.
package wsmsg
