package proxy

import "strings"

// credentialWords are the words (lowercase) that make a header, query parameter or
// JSON member name a credential's: "X-Custom-Auth", "api_key", "apiKey",
// "client_secret", "Authorization". Names are split into words (see nameWords), so
// "max_tokens", "prompt_tokens", "tokenizer" and "top_k" hold none of them. The
// run-together spellings are there because they are common as one word ("?apikey=").
var credentialWords = map[string]bool{
	"key": true, "apikey": true, "secretkey": true, "privatekey": true,
	"token": true, "apitoken": true, "accesstoken": true, "authtoken": true,
	"secret": true,
	"auth":   true, "authorization": true, "authentication": true,
	"password": true, "passwd": true, "passphrase": true,
	"cookie":     true,
	"credential": true, "credentials": true,
}

// describingWords, as the last word of a name, say that it describes a credential
// rather than holds one: "token_type", "key_id", "auth_url", "candidatesTokenCount".
var describingWords = map[string]bool{
	"id": true, "ids": true, "type": true, "kind": true, "count": true, "limit": true,
	"name": true, "url": true, "uri": true, "path": true, "file": true, "prefix": true,
	"hint": true, "length": true, "budget": true, "expires": true, "expiry": true,
	"at": true, "method": true, "format": true, "version": true, "mode": true,
}

// maxNameWord bounds the words looked up; longer ones are no credential word.
const maxNameWord = 16

// isCredentialName reports whether name (a header, query parameter or JSON member
// name, any case) names a credential: one of its words is a credential word and its
// last word does not merely describe one. It does not allocate.
func isCredentialName[T ~string | ~[]byte](name T) bool {
	found, last := false, T("")
	var buf [maxNameWord]byte
	for w := range nameWords(name) {
		if len(w) > maxNameWord {
			last = T("")
			continue
		}
		lw := buf[:len(w)]
		for i := range len(w) {
			c := w[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			lw[i] = c
		}
		// The map lookups with string(lw) do not allocate.
		if credentialWords[string(lw)] {
			found = true
		}
		last = w
	}
	return found && !describingWords[strings.ToLower(string(last))]
}

// nameWords yields the words of name: runs of letters and digits, split at any other
// character, between a lower-case letter or digit and an upper-case one ("apiKey"),
// before the last capital of a run followed by a lower-case letter ("APIKey"), and
// between letters and digits ("key2").
func nameWords[T ~string | ~[]byte](name T) func(yield func(T) bool) {
	return func(yield func(T) bool) {
		start := -1
		for i := 0; i <= len(name); i++ {
			var c byte
			if i < len(name) {
				c = name[i]
			}
			cls := charClass(c)
			if start >= 0 {
				prev := charClass(name[i-1])
				split := cls == classOther ||
					prev == classLower && cls == classUpper ||
					prev == classUpper && cls == classUpper && i+1 < len(name) && charClass(name[i+1]) == classLower ||
					(prev == classDigit) != (cls == classDigit)
				if split {
					if !yield(name[start:i]) {
						return
					}
					start = -1
				}
			}
			if start < 0 && cls != classOther {
				start = i
			}
		}
	}
}

const (
	classOther = iota
	classLower
	classUpper
	classDigit
)

func charClass(c byte) int {
	switch {
	case 'a' <= c && c <= 'z':
		return classLower
	case 'A' <= c && c <= 'Z':
		return classUpper
	case '0' <= c && c <= '9':
		return classDigit
	}
	return classOther
}
