package proxy

import (
	"bytes"
	"encoding/json"
	"mime"
	"strings"
)

// redactedJSON replaces a credential's string value in a JSON body.
const redactedJSON = `"` + redacted + `"`

// redactBody returns the captured form of a request body of the given Content-Type:
// JSON (or NDJSON, such as a WebSocket message log) with the string value of every
// member named as a credential replaced (redactJSON), a form with its credential
// fields replaced (redactQuery), anything else unchanged. The values taken out are
// recorded in sec. b is never modified: it may share memory with the forwarded body.
func redactBody(b []byte, contentType string, sec *secrets) []byte {
	if len(b) == 0 {
		return b
	}
	if mt, _, _ := mime.ParseMediaType(contentType); mt == "application/x-www-form-urlencoded" {
		if !bytes.ContainsAny(b, "=") {
			return b
		}
		s := string(b)
		if r := redactQuery(s, sec); r != s {
			return []byte(r)
		}
		return b
	}
	if first := firstNonSpace(b); first == '{' || first == '[' {
		return redactJSON(b, sec)
	}
	return b
}

// redactJSON returns b with the string value of every object member whose name is a
// credential's (isCredentialName) replaced by "[redacted]", at any depth, and every
// other byte as it was; it returns b itself when nothing was replaced. Numbers,
// objects and arrays under such names are kept: only strings hold keys, and
// "candidatesTokenCount": 12 must stay. The rest of the body is not parsed: a string
// is a member name when a ':' follows it, which holds in valid JSON and in NDJSON, so
// the output is valid JSON when b was. A body cut off inside a credential's value
// (a truncated capture) has the rest replaced.
func redactJSON(b []byte, sec *secrets) []byte {
	var out []byte // nil until the first replacement
	copied := 0    // b[:copied] is in out
	for i := 0; ; {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			break
		}
		start := i + q
		end := stringEnd(b, start)
		if end < 0 {
			break
		}
		colon := skipSpace(b, end)
		if colon == len(b) || b[colon] != ':' {
			i = end // a value or an array element
			continue
		}
		v := skipSpace(b, colon+1)
		if v == len(b) || b[v] != '"' || !isCredentialMember(b[start+1:end-1]) {
			i = v
			continue
		}
		vend := stringEnd(b, v)
		raw := b[v+1 : max(vend-1, v+1)]
		if vend < 0 {
			// Cut off inside the value: nothing after it is safe to keep.
			vend, raw = len(b), b[v+1:]
		}
		if len(raw) > 0 {
			sec.addJSON(raw)
			out = append(out, b[copied:v]...)
			out = append(out, redactedJSON...)
			copied = vend
		}
		i = vend
	}
	if out == nil {
		return b
	}
	return append(out, b[copied:]...)
}

// stringEnd returns the index just past the closing quote of the JSON string that
// starts at b[start] (a '"'), or -1 when b ends first.
func stringEnd(b []byte, start int) int {
	for i := start + 1; ; {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return -1
		}
		i += q
		// The quote is escaped when an odd number of backslashes precede it.
		n := 0
		for j := i - 1; j > start && b[j] == '\\'; j-- {
			n++
		}
		i++
		if n%2 == 0 {
			return i
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func firstNonSpace(b []byte) byte {
	if i := skipSpace(b, 0); i < len(b) {
		return b[i]
	}
	return 0
}

// isCredentialMember reports whether a member name, given as the raw content of its
// JSON string, names a credential, decoding escapes only when there are some
// ("api\u005fkey" is api_key too).
func isCredentialMember(raw []byte) bool {
	if bytes.IndexByte(raw, '\\') < 0 {
		return hasCredentialStem(raw) && isCredentialName(raw)
	}
	var s string
	if json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &s) != nil {
		return isCredentialName(raw)
	}
	return isCredentialName(s)
}

// addJSON records a credential taken from a JSON string (raw, still escaped): as it
// appears in JSON text elsewhere in the capture, and decoded, as it appears in
// headers and free text.
func (sec *secrets) addJSON(raw []byte) {
	s := string(raw)
	if bytes.IndexByte(raw, '\\') >= 0 {
		*sec = append(*sec, s)
		if json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &s) != nil {
			return
		}
	}
	*sec = append(*sec, s)
	// "Bearer sk-…" (a nested Authorization): the key alone is what an upstream
	// echoes back in an error.
	if scheme, token, ok := strings.Cut(s, " "); ok && scheme != "" && !strings.Contains(token, " ") {
		*sec = append(*sec, token)
	}
}

// credentialStems are the first three letters of every credential word; a name
// without one of them is none (the cheap test that most member names fail).
var credentialStems = [...][3]byte{{'k', 'e', 'y'}, {'t', 'o', 'k'}, {'s', 'e', 'c'}, {'a', 'u', 't'},
	{'p', 'a', 's'}, {'c', 'o', 'o'}, {'c', 'r', 'e'}, {'a', 'p', 'i'}, {'a', 'c', 'c'}, {'p', 'r', 'i'}}

// hasCredentialStem reports whether name holds a credential word's stem, in any case.
func hasCredentialStem(name []byte) bool {
	for i := 0; i+3 <= len(name); i++ {
		c0 := name[i] | 0x20 // ASCII lower case; other bytes never match a stem
		for _, st := range credentialStems {
			if c0 == st[0] && name[i+1]|0x20 == st[1] && name[i+2]|0x20 == st[2] {
				return true
			}
		}
	}
	return false
}
