package zpool

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	var big bytes.Buffer
	for i := 0; big.Len() < 3<<20; i++ {
		fmt.Fprintf(&big, "line %d of a body\n", i)
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"short", []byte(`{"model":"m"}`)},
		{"three_megabytes", big.Bytes()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var wg sync.WaitGroup
			for range 4 { // concurrent callers each get their own coder
				wg.Add(1)
				go func() {
					defer wg.Done()
					frame := Encode(tt.in, []byte("prefix"))
					if !bytes.HasPrefix(frame, []byte("prefix")) {
						t.Error("Encode did not append to dst")
						return
					}
					got, err := Decode(frame[len("prefix"):], nil)
					if err != nil || !bytes.Equal(got, tt.in) {
						t.Errorf("Decode(Encode(%d bytes)) = %d bytes, %v", len(tt.in), len(got), err)
					}
				}()
			}
			wg.Wait()
		})
	}
}

func TestDecodeRefusesGarbage(t *testing.T) {
	if _, err := Decode([]byte("not zstd at all"), nil); err == nil {
		t.Fatal("Decode(garbage) = nil error")
	}
}

// TestDecodeInto: frames read from a reader decode into a buffer of the size they
// are said to come to, and nothing else is taken: fewer or more bytes, or damage,
// are errors.
func TestDecodeInto(t *testing.T) {
	body := randomWords(3<<20, 11)
	frame := Encode(body, nil)
	two := Encode([]byte("tail"), append([]byte(nil), frame...))
	tests := []struct {
		name string
		in   []byte
		n    int
		want []byte // nil: an error
	}{
		{"exact", frame, len(body), body},
		{"two_frames", two, len(body) + 4, append(append([]byte(nil), body...), "tail"...)},
		{"said_too_long", frame, len(body) + 1, nil},
		{"said_too_short", frame, len(body) - 1, nil},
		{"damaged", frame[:len(frame)/2], len(body), nil},
		{"empty", Encode(nil, nil), 0, []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeInto(bytes.NewReader(tt.in), tt.n)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("decoded %d bytes, want an error", len(got))
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) || cap(got) != tt.n {
				t.Fatalf("decoded %d bytes into %d (%v), want %d", len(got), cap(got), err, len(tt.want))
			}
		})
	}
}
