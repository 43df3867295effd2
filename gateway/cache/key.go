package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// keyVersion starts every hashed key: a change to the normalisation changes it, so
// old entries are missed rather than served for a request they do not answer.
const keyVersion = "llmtap-cache-v1\x00"

// ignored are the top-level request fields that do not change the answer, dropped
// before hashing, so requests that differ only in them share an entry:
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
var ignored = []string{"model", "stream_options", "user", "metadata", "safety_identifier",
	"store", "prompt_cache_key", "prompt_cache_retention", "service_tier"}

// Key returns the cache key of a request for providerModel with body: the SHA-256,
// in hex, of the model and the normalised body. A JSON object body is normalised
// by dropping the fields that do not change the answer (see ignored), sorting
// object keys at every depth and removing white space (numbers keep their text,
// strings are re-escaped one way), so requests that mean the same share a key. A
// body that is not a JSON object is hashed as it is.
func Key(providerModel string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(keyVersion))
	h.Write([]byte(providerModel))
	h.Write([]byte{0})
	h.Write(normalise(body))
	return hex.EncodeToString(h.Sum(nil))
}

// normalise returns body in canonical form, or body itself when it is not a JSON
// object.
func normalise(body []byte) []byte {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber() // 1.0 and 1 stay apart: a provider may read them differently
	var obj map[string]any
	if err := d.Decode(&obj); err != nil || obj == nil || d.More() {
		return body
	}
	for _, f := range ignored {
		delete(obj, f)
	}
	if s, ok := obj["stream"].(bool); ok && !s {
		delete(obj, "stream")
	}
	// Marshal sorts map keys at every depth and writes no white space.
	out, err := json.Marshal(obj)
	if err != nil {
		return body
	}
	return out
}
