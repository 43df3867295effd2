package cache

import (
	"crypto/sha256"
	"encoding/hex"
)

// keyVersion starts every hashed key: a change to the normalisation changes it, so
// old entries are missed rather than served for a request they do not answer.
const keyVersion = "llmtap-cache-v1\x00"

// What a key leaves out: the top-level request fields that do not change the
// answer, so requests that differ only in them share an entry (skipField):
//   - model: the caller passes the model the provider serves instead, so an alias
//     and the name it stands for share entries.
//   - stream_options: asks for usage in a stream's last chunk; the answer is the same.
//   - user, metadata, safety_identifier: who asks, for abuse tracking and logs.
//   - store: whether OpenAI keeps the exchange for distillation.
//   - prompt_cache_key, prompt_cache_retention: hints for the provider's own prompt cache.
//   - service_tier: the price and the latency, not the text.
//
// Everything else (temperature, seed, tools, max_tokens, …) can change the answer
// and stays. "stream" stays too: a streamed answer is replayed as a stream and a
// JSON one as JSON, so the two are separate entries; "stream": false is dropped, as
// it is the default.

// Key returns the cache key of a request for providerModel with body: the SHA-256,
// in hex, of the model and the normalised body. A JSON object body is normalised
// by dropping the fields that do not change the answer (listed above), sorting
// object keys at every depth and removing white space (numbers keep their text,
// strings are written one way: see canonObject), so requests that mean the same
// share a key. A body that is not a JSON object is hashed as it is.
func Key(providerModel string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(keyVersion))
	h.Write([]byte(providerModel))
	h.Write([]byte{0})
	h.Write(normalise(body))
	return hex.EncodeToString(h.Sum(nil))
}

// normalise returns body in canonical form (canonObject) without the fields
// skipField drops, or body itself when it is not a JSON object.
func normalise(body []byte) []byte {
	out, err := canonObject(make([]byte, 0, len(body)), body, skipField)
	if err != nil {
		return body
	}
	return out
}

// skipField says which top-level members normalise leaves out (listed above Key);
// key is quoted, as canonObject writes it.
func skipField(key, value []byte) bool {
	switch string(key) {
	case `"model"`, `"stream_options"`, `"user"`, `"metadata"`, `"safety_identifier"`, `"store"`,
		`"prompt_cache_key"`, `"prompt_cache_retention"`, `"service_tier"`:
		return true
	case `"stream"`:
		return string(value) == "false"
	}
	return false
}
