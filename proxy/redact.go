package proxy

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
)

const redacted = "[redacted]"

// isCredentialHeader reports whether the header named by canonical key k carries a
// credential: Authorization, Cookie, X-Api-Key, X-Goog-Api-Key, and any header whose
// name holds the word key, token, secret, auth, password or cookie (X-Custom-Auth,
// X-Api-Token), but not X-Ratelimit-Remaining-Tokens (see isCredentialName).
func isCredentialHeader(k string) bool { return isCredentialName(k) }

// secrets collects the credential values seen in a request, so that copies of them
// elsewhere in the capture (an upstream echoing the key in an error body) can be
// scrubbed too.
type secrets []string

// minSecret is the shortest value scrubbed from free text; shorter ones would
// match ordinary words.
const minSecret = 8

// redactHeader replaces credential values in h in place, recording them in sec.
// h must be a copy the caller owns.
func redactHeader(h http.Header, sec *secrets) {
	for k, vs := range h {
		if !isCredentialHeader(k) {
			continue
		}
		for i, v := range vs {
			vs[i] = maskCredential(k, v, sec)
		}
	}
}

// maskCredential returns the captured form of credential header value v. Cookies and
// Basic credentials are replaced whole; for tokens of 24+ characters the scheme and
// last four characters are kept ("Bearer [redacted …abcd]") so a person can tell
// keys apart, which reveals nothing usable: providers show the same in dashboards.
func maskCredential(k, v string, sec *secrets) string {
	if k == "Cookie" || k == "Set-Cookie" {
		for c := range strings.SplitSeq(v, ";") {
			if _, val, ok := strings.Cut(c, "="); ok {
				*sec = append(*sec, strings.TrimSpace(val))
			}
		}
		return redacted
	}
	scheme, token := "", v
	if k == "Authorization" || k == "Proxy-Authorization" {
		if s, t, ok := strings.Cut(v, " "); ok {
			scheme, token = s+" ", strings.TrimSpace(t)
		}
	}
	*sec = append(*sec, token)
	if _, t, ok := strings.Cut(token, " "); ok && !strings.Contains(t, " ") {
		*sec = append(*sec, t) // a scheme in a custom header: "X-Custom-Auth: Bearer sk-…"
	}
	// A Basic token is base64 of user:password; its tail is the password's tail.
	if len(token) < 24 || strings.EqualFold(scheme, "basic ") {
		return scheme + redacted
	}
	return scheme + "[redacted …" + token[len(token)-4:] + "]"
}

// redactQuery replaces the values of parameters named as credentials (?key=,
// ?api_key=, ?access_token=: see isCredentialName) in the raw query, keeping the
// order and encoding of everything else, and records them in sec.
func redactQuery(raw string, sec *secrets) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	changed := false
	for i, p := range parts {
		name, val, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if !isCredentialName(name) {
			continue
		}
		if v, err := url.QueryUnescape(val); err == nil {
			val = v
		}
		*sec = append(*sec, val)
		parts[i] = p[:strings.IndexByte(p+"=", '=')] + "=" + redacted
		changed = true
	}
	if !changed {
		return raw
	}
	return strings.Join(parts, "&")
}

// redactURL returns u as a string with credential query parameters redacted.
func redactURL(u *url.URL, sec *secrets) string {
	c := *u
	c.RawQuery = redactQuery(u.RawQuery, sec)
	return c.String()
}

// scrubBytes returns b with every recorded secret replaced. It does not modify b,
// which may share memory with the forwarded request.
func (sec secrets) scrubBytes(b []byte) []byte {
	for _, s := range sec {
		if len(s) >= minSecret && bytes.Contains(b, []byte(s)) {
			b = bytes.ReplaceAll(b, []byte(s), []byte(redacted))
		}
	}
	return b
}

// scrubString returns s with every recorded secret replaced.
func (sec secrets) scrubString(s string) string {
	for _, x := range sec {
		if len(x) >= minSecret {
			s = strings.ReplaceAll(s, x, redacted)
		}
	}
	return s
}

// scrub redacts the request body (redactBody: credential fields of JSON and forms),
// then removes every recorded secret, those of the body included, from every
// free-text part of ex: a key the client put in its body may come back in an error
// message. Headers and URL must already be redacted (redactHeader, redactURL).
// Response bodies are not searched by member name: their "token" members are
// logprobs' text ({"token":"Hello","logprob":-0.1}), which a dataset needs.
func (sec secrets) scrub(ex *Exchange) {
	ex.ReqBody = redactBody(ex.ReqBody, ex.ReqHeader.Get("Content-Type"), &sec)
	if len(sec) == 0 {
		return
	}
	ex.URL = sec.scrubString(ex.URL)
	ex.Path = sec.scrubString(ex.Path)
	ex.Err = sec.scrubString(ex.Err)
	ex.ReqBody = sec.scrubBytes(ex.ReqBody)
	ex.RespBody = sec.scrubBytes(ex.RespBody)
	for _, vs := range ex.RespHeader {
		for i, v := range vs {
			vs[i] = sec.scrubString(v)
		}
	}
	for _, vs := range ex.ReqHeader {
		for i, v := range vs {
			vs[i] = sec.scrubString(v)
		}
	}
}
