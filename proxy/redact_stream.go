package proxy

import (
	"bytes"
	"io"
)

// Redaction of a body that passes in pieces (a big request body forwarded as it
// arrives, see bodyStream): the same rules as redactJSON and scrubBytes, applied
// with a few hundred bytes of state instead of the whole body.

// maxStreamName is the longest member name redactStream reads whole: a string
// longer than this is never a credential's name, so a 30 MB message text passes
// without being held.
const maxStreamName = 256

// maxStreamSecret is the longest credential value recorded for scrubbing: it is
// still redacted where it stands when longer, but a 4 KiB "key" is no key to look
// for elsewhere.
const maxStreamSecret = 4 << 10

// jsonState is where redactStream is in the JSON text.
type jsonState uint8

const (
	jsOut        jsonState = iota // between strings
	jsStr                         // in a string that may be a member name
	jsStrEsc                      // just after a backslash in one
	jsAfterStr                    // after a string, before what follows it
	jsAfterColon                  // after "credential-name":, before its value
	jsVal                         // in a credential's string value: withheld
	jsValEsc                      // just after a backslash in one
)

// redactStream writes a JSON (or NDJSON) body to w as redactJSON would return it:
// the string value of every member named as a credential replaced by
// "[redacted]" at any depth, every other byte as it came. Values taken out are
// recorded in found. Write never fails but for w's error.
type redactStream struct {
	w     io.Writer
	found *secrets

	st       jsonState
	name     []byte // the current string's raw content, while it may be a name
	long     bool   // the current string outgrew maxStreamName
	credName bool   // the string just ended names a credential
	val      []byte // a credential value's raw content so far
	valLen   int    // its length, also past maxStreamSecret
	out      []byte // what one Write passes on
}

func (r *redactStream) Write(p []byte) (int, error) {
	out := r.out[:0]
	for i := 0; i < len(p); {
		switch r.st {
		case jsOut:
			q := bytes.IndexByte(p[i:], '"')
			if q < 0 {
				out = append(out, p[i:]...)
				i = len(p)
				continue
			}
			out = append(out, p[i:i+q+1]...)
			i += q + 1
			r.st, r.name, r.long = jsStr, r.name[:0], false
		case jsStr:
			run, c, end := stringRun(p, i)
			r.keepName(run)
			out = append(out, p[i:end]...)
			i = end
			switch c {
			case '\\':
				r.keepName([]byte{c})
				r.st = jsStrEsc
			case '"':
				r.credName = !r.long && isCredentialMember(r.name)
				r.st = jsAfterStr
			}
		case jsStrEsc:
			r.keepName(p[i : i+1])
			out = append(out, p[i])
			i++
			r.st = jsStr
		case jsAfterStr, jsAfterColon:
			c := p[i]
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r':
				out = append(out, c)
				i++
			case c == ':' && r.st == jsAfterStr:
				out = append(out, c)
				i++
				if r.credName {
					r.st = jsAfterColon
				} else {
					r.st = jsOut
				}
			case c == '"' && r.st == jsAfterColon:
				out = append(out, c)
				i++
				r.st, r.val, r.valLen = jsVal, r.val[:0], 0
			default:
				r.st = jsOut // a value or an element: read it as anything else
			}
		case jsVal:
			run, c, end := stringRun(p, i)
			r.keepVal(run)
			i = end
			switch c {
			case '\\':
				r.keepVal([]byte{c})
				r.st = jsValEsc
			case '"':
				out = append(r.endVal(out), '"')
				r.st = jsOut
			}
		case jsValEsc:
			r.keepVal(p[i : i+1])
			i++
			r.st = jsVal
		}
	}
	r.out = out[:0]
	if len(out) > 0 {
		if _, err := r.w.Write(out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// stringRun finds, from p[i] on, the run of a JSON string's content up to its next
// quote or backslash: the run, that byte (0 when p ends first) and the index past it.
func stringRun(p []byte, i int) (run []byte, c byte, end int) {
	j := bytes.IndexAny(p[i:], `"\`)
	if j < 0 {
		return p[i:], 0, len(p)
	}
	return p[i : i+j], p[i+j], i + j + 1
}

// Close ends the body: one cut off inside a credential's value has the rest
// replaced, as redactJSON does.
func (r *redactStream) Close() error {
	if r.st != jsVal && r.st != jsValEsc {
		return nil
	}
	r.st = jsOut
	out := r.endVal(nil)
	if len(out) == 0 {
		return nil
	}
	_, err := r.w.Write(append(out, '"'))
	return err
}

func (r *redactStream) keepName(b []byte) {
	if r.long {
		return
	}
	if len(r.name)+len(b) > maxStreamName {
		r.long = true
		return
	}
	r.name = append(r.name, b...)
}

func (r *redactStream) keepVal(b []byte) {
	r.valLen += len(b)
	if r.valLen <= maxStreamSecret {
		r.val = append(r.val, b...)
	}
}

// endVal appends what stands for the value just withheld: nothing for an empty
// one (kept as it was, as redactJSON keeps it), else the redaction mark.
func (r *redactStream) endVal(out []byte) []byte {
	if r.valLen == 0 {
		return out
	}
	if r.valLen <= maxStreamSecret {
		r.found.addJSON(r.val)
	}
	return append(out, redacted...)
}

// secretSpotter passes what it is given on to w unchanged and notes whether any of
// the secrets in sec (the request's, known before the body) occurs in it, also
// across pieces. A body that holds one is scrubbed whole at the end (bodyCapture),
// so the capture is exactly what scrubbing the body held whole makes of it;
// replacing as it passes could differ from that where a secret overlaps itself or
// the mark that replaces it.
type secretSpotter struct {
	w       io.Writer
	sec     secrets // those of minSecret bytes or more
	longest int
	tail    []byte // the last bytes passed, as long as the longest secret less one
	seen    bool
}

func newSecretSpotter(w io.Writer, sec secrets) *secretSpotter {
	s := &secretSpotter{w: w}
	for _, x := range sec {
		if len(x) >= minSecret {
			s.sec = append(s.sec, x)
			s.longest = max(s.longest, len(x))
		}
	}
	return s
}

func (s *secretSpotter) Write(p []byte) (int, error) {
	if !s.seen {
		s.look(p)
	}
	if _, err := s.w.Write(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (s *secretSpotter) look(p []byte) {
	longest := s.longest
	if longest == 0 {
		return
	}
	// Only the bytes a secret can span: the tail and p's start, then p itself.
	edge := append(s.tail, p[:min(len(p), longest-1)]...)
	for _, x := range s.sec {
		if bytes.Contains(edge, []byte(x)) || bytes.Contains(p, []byte(x)) {
			s.seen = true
			return
		}
	}
	if len(p) >= longest-1 {
		s.tail = append(s.tail[:0], p[len(p)-(longest-1):]...)
	} else {
		s.tail = append(s.tail, p...)
		s.tail = s.tail[max(0, len(s.tail)-(longest-1)):]
	}
}
