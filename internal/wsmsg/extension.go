package wsmsg

import "strings"

// Deflate is what a handshake negotiated of permessage-deflate (RFC 7692), as the
// server's Sec-WebSocket-Extensions answer says. The window sizes it may also name
// need no setting: a reader with the full 32 KiB window inflates any smaller one.
type Deflate struct {
	On                      bool // the server accepted permessage-deflate
	ClientNoContextTakeover bool // the client compresses each message afresh
	ServerNoContextTakeover bool // the server compresses each message afresh
}

// ParseExtensions reads the Sec-WebSocket-Extensions values of a 101 response
// (http.Header.Values). The first permessage-deflate in them is the one in use;
// other extensions are ignored here (their frames then fail the Reader, which knows
// none of them).
func ParseExtensions(values []string) Deflate {
	for _, v := range values {
		for ext := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(ext, ";")
			if !strings.EqualFold(strings.TrimSpace(name), "permessage-deflate") {
				continue
			}
			d := Deflate{On: true}
			for p := range strings.SplitSeq(params, ";") {
				name, _, _ := strings.Cut(p, "=")
				switch strings.ToLower(strings.TrimSpace(name)) {
				case "client_no_context_takeover":
					d.ClientNoContextTakeover = true
				case "server_no_context_takeover":
					d.ServerNoContextTakeover = true
				}
			}
			return d
		}
	}
	return Deflate{}
}
