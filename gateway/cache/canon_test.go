package cache

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// viaEncodingJSON is the normalisation done the plain way, decoding and encoding
// with encoding/json: the reference canonObject is checked and measured against.
func viaEncodingJSON(body []byte) ([]byte, map[string]any, bool) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var obj map[string]any
	if err := d.Decode(&obj); err != nil || obj == nil || d.More() {
		return nil, nil, false
	}
	for k, v := range obj {
		raw, _ := json.Marshal(v)
		if skipField([]byte(`"`+k+`"`), raw) {
			delete(obj, k)
		}
	}
	out, err := json.Marshal(obj)
	return out, obj, err == nil
}

func TestCanonObject(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"sorted_and_compact", `{ "b" : [1, 2.50, {"d":null,"c":true}], "a":"x" }`, `{"a":"x","b":[1,2.50,{"c":true,"d":null}]}`},
		{"escapes_one_way", `{"s":"\u0068\/\"\\\n\u001f\u00e9é\ud83d\ude00"}`, "{\"s\":\"h/\\\"\\\\\\n\\u001féé\U0001F600\"}"},
		{"lone_surrogate_kept", `{"s":"\uD800x"}`, `{"s":"\ud800x"}`},
		{"dropped_fields", `{"model":"m","user":"u","stream":false,"n":1}`, `{"n":1}`},
		{"stream_true_kept", `{"stream":true}`, `{"stream":true}`},
		{"nested_model_kept", `{"tools":[{"model":"x","b":1}]}`, `{"tools":[{"b":1,"model":"x"}]}`},
		{"first_dropped", `{"model":"m","z":1,"a":2}`, `{"a":2,"z":1}`},
		{"empty", ` {} `, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := canonObject(nil, []byte(tt.in), skipField)
			if err != nil || string(got) != tt.want {
				t.Errorf("canonObject(%s) = %s, %v, want %s", tt.in, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{`[]`, `{"a":1`, `{"a":1}x`, `{"a" 1}`, `{"a":tru}`, "{\"a\":\"\x01\"}", `{"a":"\x"}`, `{"a":[1,]}`,
		strings.Repeat(`{"a":`, maxDepth+2) + "1" + strings.Repeat("}", maxDepth+2)} {
		if got, err := canonObject(nil, []byte(bad), nil); err == nil {
			t.Errorf("canonObject(%.40s) = %s, want an error", bad, got)
		}
	}
}

// FuzzCanonObject checks canonObject against encoding/json: where both read a body,
// they read the same value, and the canonical form is its own canonical form.
func FuzzCanonObject(f *testing.F) {
	for _, s := range []string{`{"model":"a","stream":true}`, `{"b":1,"a":[1,2,{"c":null}]}`, `{"s":"\u00e9\n"}`,
		`{"a":1,"a":2}`, `{}`, `{"stream":false,"user":{"x":[]}}`, `{"k":"\ud83d\ude00"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got, err := canonObject(nil, []byte(body), skipField)
		_, ref, ok := viaEncodingJSON([]byte(body))
		if err != nil {
			return // encoding/json may accept what canon refuses (deep nesting); the raw body is hashed then
		}
		again, err := canonObject(nil, got, skipField)
		if err != nil || !bytes.Equal(again, got) {
			t.Fatalf("canon(canon(%q)) = %q, %v, want %q", body, again, err, got)
		}
		if !ok || !json.Valid([]byte(body)) || strings.Contains(body, `\u`) && strings.Contains(body, `\ud`) || hasDuplicateKeys(body) {
			return // lone surrogates and duplicate keys are where the two differ on purpose
		}
		d := json.NewDecoder(bytes.NewReader(got))
		d.UseNumber()
		var back map[string]any
		if err := d.Decode(&back); err != nil {
			t.Fatalf("canon(%q) = %q, which encoding/json cannot read: %v", body, got, err)
		}
		if !reflect.DeepEqual(back, ref) {
			t.Fatalf("canon(%q) = %q reads as %v, encoding/json reads %v", body, got, back, ref)
		}
	})
}

// hasDuplicateKeys reports whether an object of body repeats a key, which
// encoding/json resolves (the last wins) and canon keeps.
func hasDuplicateKeys(body string) bool {
	d := json.NewDecoder(strings.NewReader(body))
	type frame struct {
		obj  bool
		keys map[string]bool
		key  bool // next string token is a key
	}
	var stack []*frame
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				if top != nil && top.obj {
					top.key = true
				}
				stack = append(stack, &frame{obj: true, keys: map[string]bool{}, key: true})
				continue
			case '[':
				if top != nil && top.obj {
					top.key = true
				}
				stack = append(stack, &frame{})
				continue
			default:
				stack = stack[:len(stack)-1]
				continue
			}
		case string:
			if top != nil && top.obj && top.key {
				if top.keys[v] {
					return true
				}
				top.keys[v] = true
				top.key = false
				continue
			}
		}
		if top != nil && top.obj {
			top.key = true
		}
	}
}

func BenchmarkNormalise(b *testing.B) {
	body := chatBody()
	b.Run("canon", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			normalise(body)
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			viaEncodingJSON(body)
		}
	})
}

func TestChatBodyIsJSON(t *testing.T) {
	if !json.Valid(chatBody()) {
		t.Fatal("the benchmark's body is not JSON")
	}
}
